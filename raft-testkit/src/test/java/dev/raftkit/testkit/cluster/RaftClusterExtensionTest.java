package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.THROWABLE;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.Role;
import dev.raftkit.testkit.PlatformRun;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RaftClusterExtension}: a test gets a running cluster with a leader, shaped by
 * {@link RaftCluster}, and nothing of it is left running after the test, whether the test passed,
 * failed, or the cluster could not start. Failing tests run through {@link PlatformRun}.
 */
class RaftClusterExtensionTest {

    @RegisterExtension
    final RaftClusterExtension<KvCommand, String, KvStateMachine, NodeListener> raft =
            RaftClusterExtension.of(KvCommand.CODEC, KvStateMachine::new);

    @Test
    void injectsTheRunningClusterAndTheNodeThatLeadsAtTheTestsStart(
            LiveCluster<KvCommand, String, KvStateMachine, NodeListener> cluster, Node<KvCommand, String> leader) {
        assertThat(cluster).isSameAs(raft.cluster());
        assertThat(cluster.running()).hasSize(3).containsExactlyInAnyOrderElementsOf(cluster.ids());
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        assertThat(cluster.ids()).contains(leader.id());
        assertThat(leader.write(KvCommand.put("k", "v")).join()).isEqualTo("OK");
    }

    @Test
    @RaftCluster(nodes = 5)
    void theMethodsAnnotationSetsTheNumberOfNodes(LiveCluster<KvCommand, String, KvStateMachine, NodeListener> cluster) {
        assertThat(cluster.running()).hasSize(5);
    }

    @Test
    void theIsolateAndRestartHelpersWork(LiveCluster<KvCommand, String, KvStateMachine, NodeListener> cluster,
            Node<KvCommand, String> leader) {
        cluster.write(KvCommand.put("k", "1"));
        cluster.isolate(leader.id());
        NodeId next = cluster.awaitLeader(cluster.followersOf(leader.id()));
        assertThat(next).isNotEqualTo(leader.id());
        cluster.heal();
        cluster.restart(leader.id());
        assertThat(cluster.write(KvCommand.put("k", "2"))).isEqualTo("OK");
        cluster.awaitConverged(sm -> sm.snapshotOfData());
    }

    @Test
    void aFailingTestLeavesNoNodeNorThreadRunning() {
        Map<String, Optional<Throwable>> results = PlatformRun.run(FailsWithARunningCluster.class);

        assertThat(results).hasSize(1).allSatisfy((test, failure) ->
                assertThat(failure).get(THROWABLE).hasMessage("the test failed with a single node leading"));
        LiveCluster<?, ?, ?, ?> cluster = FailsWithARunningCluster.seen;
        assertThat(cluster.running()).isEmpty();
        cluster.awaitTrue("the engine threads end", () -> cluster.engineThreads().isEmpty());
        assertThat(liveThreads()).noneMatch(name -> name.equals(clusterName(cluster) + "-network"));
    }

    @Test
    void aClusterThatCannotStartFailsTheTestAndLeavesNothingRunning() {
        Set<String> before = liveThreads();
        Map<String, Optional<Throwable>> results = PlatformRun.run(NamesAMissingProvider.class);

        assertThat(results).hasSize(1).allSatisfy((test, failure) ->
                assertThat(failure).get(THROWABLE).hasMessageContaining("no-such-store"));
        assertThat(liveThreads()).allMatch(before::contains);
    }

    private static Set<String> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toSet());
    }

    /** The cluster's name, the prefix of its node ids ({@code <name>-n1}) and of its thread names. */
    private static String clusterName(LiveCluster<?, ?, ?, ?> cluster) {
        String id = cluster.ids().get(0).value();
        return id.substring(0, id.lastIndexOf("-n"));
    }

    /** A one-node cluster from the class's annotation, and a test that fails once it is running. */
    @RaftCluster(nodes = 1)
    static class FailsWithARunningCluster {
        static LiveCluster<?, ?, ?, ?> seen;

        @RegisterExtension
        final RaftClusterExtension<KvCommand, String, KvStateMachine, NodeListener> raft =
                RaftClusterExtension.of(KvCommand.CODEC, KvStateMachine::new);

        @Test
        void fails(LiveCluster<KvCommand, String, KvStateMachine, NodeListener> cluster, Node<KvCommand, String> leader) {
            seen = cluster;
            if (cluster.running().size() == 1 && leader.role() == Role.LEADER) {
                throw new AssertionError("the test failed with a single node leading");
            }
        }
    }

    /** A cluster whose nodes cannot start: no log store of that name exists. */
    static class NamesAMissingProvider {
        @RegisterExtension
        final RaftClusterExtension<KvCommand, String, KvStateMachine, NodeListener> raft =
                RaftClusterExtension.of(KvCommand.CODEC, KvStateMachine::new);

        @Test
        @RaftCluster(logStore = "no-such-store")
        void neverRuns() {
            throw new AssertionError("the test ran without a cluster");
        }
    }
}
