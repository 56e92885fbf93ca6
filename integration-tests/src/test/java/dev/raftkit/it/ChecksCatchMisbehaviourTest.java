package dev.raftkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.it.harness.Await;
import dev.raftkit.it.harness.ClusterAccess;
import dev.raftkit.it.harness.FaultSchedule;
import dev.raftkit.it.harness.ForwardingClusterAccess;
import dev.raftkit.it.harness.KvWorkload;
import dev.raftkit.it.harness.LocalCluster;
import dev.raftkit.it.harness.OperationException;
import dev.raftkit.it.harness.Ports;
import dev.raftkit.it.harness.RunChecks;
import dev.raftkit.it.harness.RunSummary;
import dev.raftkit.it.harness.StatusMonitor;
import dev.raftkit.testkit.kv.KvCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The checks of every fault run can fail (RELIABILITY.md P13): a client layer that misbehaves in
 * a known way, between the workload and a healthy cluster, makes {@link RunChecks} report exactly
 * that misbehaviour.
 */
class ChecksCatchMisbehaviourTest {

    /** A known way to break the guarantees, and the problem the checks must report for it. */
    enum Mutation {
        /** Every fifth put is acknowledged without being written. */
        ACK_WITHOUT_WRITING("acknowledged write(s) missing from the converged state"),
        /** Every fifth write is submitted twice. */
        WRITE_TWICE("command(s) twice"),
        /** Every third read answers the first value ever read for its key. */
        STALE_READS("NOT_LINEARIZABLE");

        final String reported;

        Mutation(String reported) {
            this.reported = reported;
        }
    }

    @TempDir
    Path dataRoot;

    @ParameterizedTest
    @EnumSource(Mutation.class)
    void checksReportTheMisbehaviour(Mutation mutation) throws Exception {
        Map<NodeId, Map<NodeId, Address>> members = Ports.loopbackMembers(3);
        try (LocalCluster cluster = LocalCluster.start(members, dataRoot)) {
            Await.value("a leader", Duration.ofSeconds(30), cluster::leader);
            ClusterAccess broken = new Misbehaving(cluster, mutation);
            StatusMonitor monitor = StatusMonitor.start(cluster, Duration.ofMillis(25));
            KvWorkload workload = new KvWorkload(broken, new KvWorkload.Settings(4, Duration.ofSeconds(3),
                    Duration.ofSeconds(10), 2, Duration.ofMillis(5)), 42);
            try {
                workload.start();
                Thread.sleep(2_500);
                workload.stop();
                RunSummary summary = RunChecks.evaluate("mutation " + mutation, broken, workload, monitor,
                        FaultSchedule.seeded());
                assertThat(summary.problems()).as("problems reported for %s", mutation)
                        .anySatisfy(problem -> assertThat(problem).contains(mutation.reported));
            } finally {
                workload.stop();
                monitor.close();
            }
        }
    }

    /** Passes requests to the cluster, breaking them as its mutation says. */
    private static final class Misbehaving extends ForwardingClusterAccess {

        private final ClusterAccess cluster;
        private final Mutation mutation;
        private final AtomicLong writes = new AtomicLong();
        private final AtomicLong reads = new AtomicLong();
        private final Map<String, Optional<String>> firstRead = new ConcurrentHashMap<>();

        Misbehaving(ClusterAccess cluster, Mutation mutation) {
            super(cluster);
            this.cluster = cluster;
            this.mutation = mutation;
        }

        @Override
        public String write(NodeId node, KvCommand command, Duration timeout) throws OperationException {
            boolean misbehave = writes.incrementAndGet() % 5 == 0;
            if (misbehave && mutation == Mutation.ACK_WITHOUT_WRITING && command.kind() == KvCommand.Kind.PUT) {
                return "OK";
            }
            if (misbehave && mutation == Mutation.WRITE_TWICE) {
                cluster.write(node, command, timeout);
            }
            return cluster.write(node, command, timeout);
        }

        @Override
        public Optional<String> read(NodeId node, String key, Duration timeout) throws OperationException {
            Optional<String> value = cluster.read(node, key, timeout);
            Optional<String> first = firstRead.computeIfAbsent(key, k -> value);
            return mutation == Mutation.STALE_READS && reads.incrementAndGet() % 3 == 0 ? first : value;
        }
    }
}
