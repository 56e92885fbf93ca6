package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.Role;
import dev.raftkit.testkit.kv.KvCommand;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code leader()}, {@code role()}, {@code status()} and listeners: what a node says about itself
 * agrees with itself and with the rest of the cluster.
 */
class ListenerAndStatusTest {

    @RegisterExtension
    final RaftClusterExtension<KvCommand, String, RecordingKv, RecordingListener> raft = ClusterTestBase.extension();

    @Test
    void listenersHearRoleAndLeaderChanges(
            LiveCluster<KvCommand, String, RecordingKv, RecordingListener> cluster) {
        NodeId l = cluster.awaitAgreedLeader();
        long term = cluster.node(l).status().term();
        Optional<NodeId> leaderId = Optional.of(l);
        Await.until("the leader's listener hears it lead", () -> cluster.listener(l).lastRole()
                .equals(Optional.of(new RecordingListener.RoleChange(Role.LEADER, term))));
        for (NodeId i : cluster.ids()) {
            RecordingListener listener = cluster.listener(i);
            Await.until(i + "'s listener hears the leader", () -> listener.lastLeader()
                    .equals(Optional.of(new RecordingListener.LeaderChange(leaderId, term))));
        }
        assertThat(cluster.listener(l).roles()).extracting(RecordingListener.RoleChange::role)
                .startsWith(Role.FOLLOWER).endsWith(Role.LEADER);

        // A listener added later first hears the current state.
        RecordingListener late = new RecordingListener();
        NodeId f = cluster.followersOf(l).get(0);
        cluster.node(f).addListener(late);
        Await.until("the late listener hears the current state",
                () -> late.lastRole().isPresent() && late.lastLeader().isPresent());
        assertThat(late.lastRole().orElseThrow().role()).isEqualTo(Role.FOLLOWER);
        assertThat(late.lastLeader().orElseThrow().leader()).isEqualTo(leaderId);

        // Failover: the survivors' listeners hear the new leader, in a later term.
        cluster.stop(l);
        NodeId next = cluster.awaitAgreedLeader();
        long nextTerm = cluster.node(next).status().term();
        assertThat(nextTerm).isGreaterThan(term);
        Await.until("the new leader's listener hears it lead", () -> cluster.listener(next).lastRole()
                .equals(Optional.of(new RecordingListener.RoleChange(Role.LEADER, nextTerm))));
        for (NodeId i : cluster.running()) {
            RecordingListener listener = cluster.listener(i);
            Await.until(i + "'s listener hears the new leader", () -> listener.lastLeader()
                    .equals(Optional.of(new RecordingListener.LeaderChange(Optional.of(next), nextTerm))));
        }
        Await.until("the late listener hears the new leader",
                () -> late.lastLeader().orElseThrow().leader().equals(Optional.of(next)));
    }

    @Test
    void statusAgreesWithRoleLeaderAndTheCluster(
            LiveCluster<KvCommand, String, RecordingKv, RecordingListener> cluster) {
        NodeId l = cluster.awaitAgreedLeader();
        for (int n = 0; n < 10; n++) {
            Await.value(cluster.node(l).write(KvCommand.put("k" + n, "v")));
        }
        long lastWrite = cluster.stateMachine(l).applied().get(9).index();
        cluster.awaitConverged(RecordingKv::applied);
        NodeStatus leaderStatus = cluster.node(l).status();
        assertThat(leaderStatus.commitIndex()).isGreaterThanOrEqualTo(lastWrite);
        for (NodeId i : cluster.ids()) {
            Node<KvCommand, String> node = cluster.node(i);
            NodeStatus s = node.status();
            assertThat(s.id()).isEqualTo(i).isEqualTo(node.id());
            assertThat(s.role()).isEqualTo(node.role()).isEqualTo(i == l ? Role.LEADER : Role.FOLLOWER);
            assertThat(s.leader()).isEqualTo(node.leader()).contains(l);
            assertThat(s.term()).isEqualTo(leaderStatus.term());
            assertThat(s.commitIndex()).isEqualTo(leaderStatus.commitIndex());
            assertThat(s.appliedIndex()).isEqualTo(s.commitIndex());
            assertThat(s.lastLogIndex()).isEqualTo(s.commitIndex());
            assertThat(s.snapshotIndex()).isZero();
            assertThat(s.voters()).isEqualTo(cluster.members().keySet());
            assertThat(s.learners()).isEmpty();
        }
    }
}
