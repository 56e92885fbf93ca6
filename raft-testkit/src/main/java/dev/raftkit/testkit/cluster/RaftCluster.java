package dev.raftkit.testkit.cluster;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The shape of the cluster {@link RaftClusterExtension} starts for a test: on a test method, on its
 * class, or absent for the defaults (three voters, in memory). A method's annotation wins over its
 * class's.
 *
 * <pre>{@code
 * @RaftCluster(nodes = 5, logStore = "lmdb", transport = "grpc")
 * @Test
 * void survivesTheLossOfTwoNodes(LiveCluster<Long, Long, Counter, NodeListener> cluster) { ... }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface RaftCluster {

    /**
     * How many founding voters start, at least 1.
     *
     * @return how many founding voters start
     */
    int nodes() default 3;

    /**
     * The log store: {@value LiveCluster#MEMORY} (each node on its own in-memory disk) or the name
     * of a provider on the test class path, e.g. {@code "lmdb"} (data in a temporary directory
     * deleted after the test).
     *
     * @return the log store provider's name
     */
    String logStore() default LiveCluster.MEMORY;

    /**
     * The transport: {@value LiveCluster#MEMORY} (a network private to the test, with faults on
     * demand) or the name of a provider on the test class path, e.g. {@code "grpc"} (free loopback
     * ports).
     *
     * @return the transport provider's name
     */
    String transport() default LiveCluster.MEMORY;
}
