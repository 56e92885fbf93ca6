package dev.raftkit.testkit.cluster;

import dev.raftkit.Codec;
import dev.raftkit.Node;
import dev.raftkit.NodeListener;
import dev.raftkit.StateMachine;
import java.lang.reflect.AnnotatedElement;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that starts a {@link LiveCluster} of your state machine before each test,
 * waits until it has a leader, hands it to the test, and closes it after the test whatever the
 * outcome: every node, its threads, its ports and its temporary files.
 *
 * <pre>{@code
 * class CounterClusterTest {
 *     @RegisterExtension
 *     final RaftClusterExtension<Long, Long, Counter, NodeListener> raft = RaftClusterExtension.of(Counter.CODEC, Counter::new);
 *
 *     @Test
 *     void writesSurviveTheLeadersLoss(LiveCluster<Long, Long, Counter, NodeListener> cluster, Node<Long, Long> leader) {
 *         leader.write(5L).join();
 *         cluster.stop(leader.id());
 *         assertThat(cluster.write(1L)).isEqualTo(6L);   // on the new leader
 *     }
 * }
 * }</pre>
 *
 * <p>The cluster's shape comes from {@link RaftCluster} on the test method or class (three voters
 * in memory by default). A test method may declare a {@link LiveCluster} parameter (the cluster,
 * with its fault helpers) and {@link Node} parameters (the node that led when the test started).
 * Register the extension on an instance field, as above, so that tests that run in parallel each
 * have their own; {@link #cluster()} returns the running test's cluster.
 *
 * <p>Tests that need more than a state machine (listeners, configuration tuning, a wrapper around
 * each memory transport) describe the cluster themselves:
 * {@code RaftClusterExtension.of(() -> LiveCluster.builder(codec, Counter::new, Recorder::new).tuning(c -> c.preVote(false)))};
 * {@link RaftCluster} still sets the number of nodes and the providers.
 *
 * <p>Real providers ({@code @RaftCluster(logStore = "lmdb", transport = "grpc")}) must be on the
 * test class path; the extension names them as an application does and does not depend on them.
 *
 * @param <C> the command type
 * @param <R> the response type
 * @param <S> the state machine type
 * @param <L> the listener type
 */
public final class RaftClusterExtension<C, R, S extends StateMachine<C, R>, L extends NodeListener>
        implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(RaftClusterExtension.class);

    private final Supplier<LiveCluster.Builder<C, R, S, L>> description;
    private volatile LiveCluster<C, R, S, L> current;

    private RaftClusterExtension(Supplier<LiveCluster.Builder<C, R, S, L>> description) {
        this.description = Objects.requireNonNull(description, "description");
    }

    /**
     * Returns an extension whose clusters run the state machines {@code stateMachines} makes.
     *
     * @param codec the command codec
     * @param stateMachines makes a fresh state machine for each start of a node
     * @param <C> the command type
     * @param <R> the response type
     * @param <S> the state machine type
     * @return the extension
     */
    public static <C, R, S extends StateMachine<C, R>> RaftClusterExtension<C, R, S, NodeListener> of(Codec<C> codec,
            Supplier<? extends S> stateMachines) {
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(stateMachines, "stateMachines");
        return of(() -> LiveCluster.<C, R, S, NodeListener>builder(codec, stateMachines, () -> new NodeListener() { }));
    }

    /**
     * Returns an extension whose clusters are described by {@code description}, called once per
     * test; the test's {@link RaftCluster} then sets the number of voters and the providers.
     *
     * @param description describes a cluster
     * @param <C> the command type
     * @param <R> the response type
     * @param <S> the state machine type
     * @param <L> the listener type
     * @return the extension
     */
    public static <C, R, S extends StateMachine<C, R>, L extends NodeListener> RaftClusterExtension<C, R, S, L> of(
            Supplier<LiveCluster.Builder<C, R, S, L>> description) {
        return new RaftClusterExtension<>(description);
    }

    /**
     * Returns the cluster of the test that runs.
     *
     * @return the running test's cluster
     * @throws IllegalStateException outside a test
     */
    public LiveCluster<C, R, S, L> cluster() {
        LiveCluster<C, R, S, L> cluster = current;
        if (cluster == null) {
            throw new IllegalStateException("no cluster runs: RaftClusterExtension starts one for each test, "
                    + "from before the test's @BeforeEach methods to after its @AfterEach methods");
        }
        return cluster;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        RaftCluster shape = shape(context);
        if (shape.nodes() < 1) {
            throw new IllegalArgumentException("@RaftCluster(nodes = " + shape.nodes() + ") on "
                    + context.getDisplayName() + ": a cluster needs at least 1 node");
        }
        LiveCluster<C, R, S, L> cluster = description.get()
                .voters(shape.nodes())
                .logStore(shape.logStore())
                .transport(shape.transport())
                .build();
        context.getStore(NAMESPACE).put(this, cluster);
        current = cluster;
        cluster.startAll();
        cluster.awaitLeader();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        current = null;
        LiveCluster<?, ?, ?, ?> cluster = context.getStore(NAMESPACE).remove(this, LiveCluster.class);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == LiveCluster.class || type == Node.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        LiveCluster<?, ?, ?, ?> cluster = context.getStore(NAMESPACE).get(this, LiveCluster.class);
        if (cluster == null) {
            throw new ParameterResolutionException(parameter.getParameter() + ": RaftClusterExtension resolves "
                    + "parameters of test methods only, not of constructors or @BeforeAll methods");
        }
        if (parameter.getParameter().getType() == LiveCluster.class) {
            return cluster;
        }
        return cluster.node(cluster.awaitLeader());
    }

    /** The test method's {@link RaftCluster}, else its class's (or an enclosing class's), else the defaults. */
    private static RaftCluster shape(ExtensionContext context) {
        Optional<ExtensionContext> at = Optional.of(context);
        while (at.isPresent()) {
            Optional<AnnotatedElement> element = at.get().getElement();
            if (element.isPresent() && element.get().isAnnotationPresent(RaftCluster.class)) {
                return element.get().getAnnotation(RaftCluster.class);
            }
            at = at.get().getParent();
        }
        return Defaults.class.getAnnotation(RaftCluster.class);
    }

    /** Carries the default {@link RaftCluster}. */
    @RaftCluster
    private static final class Defaults {
    }
}
