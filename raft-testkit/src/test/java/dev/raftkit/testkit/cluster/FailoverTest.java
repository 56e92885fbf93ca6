package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.ShutdownException;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.memory.MemoryNetwork;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Leader failover: when the leader goes away a new one is elected and writes go on, and the old
 * leader's pending write fails (it may or may not have committed: a write is not exactly-once
 * across failover).
 */
class FailoverTest extends ClusterTestBase {


    @Test
    void closedLeaderFailsItsPendingWriteWithShutdownAndANewLeaderTakesOver() {
        cluster = clusterOf(3).build().startAll();
        NodeId old = cluster.awaitAgreedLeader();
        long oldTerm = cluster.node(old).status().term();
        Await.value(cluster.node(old).write(KvCommand.put("before", "v")));
        cluster.stateMachine(old).hold();
        KvCommand pendingCommand = KvCommand.put("pending", "v");
        CompletableFuture<String> pending = cluster.node(old).write(pendingCommand);
        Await.until("the write is held at apply, so committed", cluster.stateMachine(old)::applyIsHeld);

        cluster.stop(old);
        assertThat(Await.failure(pending, ShutdownException.class).mayHaveCommitted())
                .as("accepted before close: its fate is unknown to the caller").isTrue();

        NodeId next = cluster.awaitAgreedLeader();
        assertThat(next).isNotEqualTo(old);
        Node<KvCommand, String> leader = cluster.node(next);
        assertThat(leader.status().term()).isGreaterThan(oldTerm);
        for (int n = 0; n < 10; n++) {
            assertThat(Await.value(leader.write(KvCommand.put("after" + n, "v")))).isEqualTo("OK");
        }
        cluster.awaitConverged(RecordingKv::applied);
        // The failed write had committed: the survivors applied it, once.
        assertThat(cluster.stateMachine(next).applied()).extracting(RecordingKv.Applied::command)
                .containsOnlyOnce(pendingCommand).hasSize(12);
    }

    @Test
    void leaderDeposedByTheNewLeaderFailsItsPendingWriteWithNotLeaderNamingIt() {
        // Without check-quorum the old leader keeps leading until it hears of a newer term.
        cluster = clusterOf(3).tuning(c -> c.checkQuorum(false)).build().startAll();
        NodeId old = cluster.awaitAgreedLeader();
        Set<NodeId> others = Set.copyOf(cluster.followersOf(old));
        MemoryNetwork network = cluster.network();
        network.partition(Set.of(old), others);
        CompletableFuture<String> pending = cluster.node(old).write(KvCommand.put("lost", "v"));
        NodeId f = cluster.followersOf(old).get(0);
        Await.until("the others elect a new leader",
                () -> cluster.node(f).leader().filter(others::contains).isPresent());
        NodeId next = cluster.node(f).leader().orElseThrow();
        assertThat(pending).as("the old leader cannot commit and does not know it was deposed").isNotDone();

        // Only the new leader's messages reach the old one, so it learns of the new term from them.
        network.block(old, next);
        network.partition(Set.of(old, next), others);
        NotLeaderException e = Await.failure(pending, NotLeaderException.class);
        assertThat(e.mayHaveCommitted()).as("accepted, then leadership lost").isTrue();
        assertThat(e.leaderHint()).contains(next);
        assertThat(e.leaderAddress()).contains(cluster.address(next));
        assertThat(Await.value(cluster.node(next).write(KvCommand.put("after", "v")))).isEqualTo("OK");
    }

    @Test
    void isolatedLeaderStepsDownAndFailsItsPendingWriteWithNotLeader() {
        cluster = clusterOf(3).build().startAll();
        NodeId old = cluster.awaitAgreedLeader();
        Await.value(cluster.node(old).write(KvCommand.put("before", "v")));
        cluster.network().isolate(old);
        KvCommand lostCommand = KvCommand.put("lost", "v");
        CompletableFuture<String> pending = cluster.node(old).write(lostCommand);

        // Check-quorum: the isolated leader steps down, and its pending write fails.
        assertThat(Await.failure(pending, NotLeaderException.class).mayHaveCommitted())
                .as("accepted, then leadership lost").isTrue();
        NodeId next = null;
        for (NodeId i : cluster.followersOf(old)) {
            Await.until(i + " learns a new leader",
                    () -> cluster.node(i).leader().filter(l -> !l.equals(old)).isPresent());
            next = cluster.node(i).leader().orElseThrow();
        }
        for (int n = 0; n < 10; n++) {
            assertThat(Await.value(cluster.node(next).write(KvCommand.put("after" + n, "v")))).isEqualTo("OK");
        }

        cluster.network().heal();
        assertThat(cluster.awaitAgreedLeader()).isEqualTo(next);
        cluster.awaitConverged(RecordingKv::applied);
        assertThat(cluster.stateMachine(old).applied()).extracting(RecordingKv.Applied::command)
                .doesNotContain(lostCommand).hasSize(11);
    }
}
