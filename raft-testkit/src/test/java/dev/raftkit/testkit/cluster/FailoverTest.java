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
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Leader failover: when the leader goes away a new one is elected and writes go on, and the old
 * leader's pending write fails (it may or may not have committed: a write is not exactly-once
 * across failover).
 */
class FailoverTest extends ClusterTestBase {


    @Test
    void closedLeaderFailsItsPendingWriteWithShutdownAndANewLeaderTakesOver() {
        cluster = TestCluster.startDefault(3);
        int old = cluster.awaitLeader();
        long oldTerm = cluster.node(old).status().term();
        Await.value(cluster.node(old).write(KvCommand.put("before", "v")));
        cluster.sm(old).hold();
        KvCommand pendingCommand = KvCommand.put("pending", "v");
        CompletableFuture<String> pending = cluster.node(old).write(pendingCommand);
        Await.until("the write is held at apply, so committed", cluster.sm(old)::applyIsHeld);

        cluster.stop(old);
        Await.failure(pending, ShutdownException.class);

        int next = cluster.awaitLeader();
        assertThat(next).isNotEqualTo(old);
        Node<KvCommand, String> leader = cluster.node(next);
        assertThat(leader.status().term()).isGreaterThan(oldTerm);
        for (int n = 0; n < 10; n++) {
            assertThat(Await.value(leader.write(KvCommand.put("after" + n, "v")))).isEqualTo("OK");
        }
        cluster.awaitConverged();
        // The failed write had committed: the survivors applied it, once.
        assertThat(cluster.sm(next).applied()).extracting(RecordingKv.Applied::command)
                .containsOnlyOnce(pendingCommand).hasSize(12);
    }

    @Test
    void leaderDeposedByTheNewLeaderFailsItsPendingWriteWithNotLeaderNamingIt() {
        // Without check-quorum the old leader keeps leading until it hears of a newer term.
        cluster = TestCluster.create(3, c -> c.checkQuorum(false)).startAll();
        int old = cluster.awaitLeader();
        NodeId oldId = cluster.id(old);
        Set<NodeId> others = cluster.followersOf(old).stream().map(cluster::id).collect(Collectors.toSet());
        MemoryNetwork network = MemoryNetwork.shared();
        network.partition(Set.of(oldId), others);
        CompletableFuture<String> pending = cluster.node(old).write(KvCommand.put("lost", "v"));
        int f = cluster.followersOf(old).get(0);
        Await.until("the others elect a new leader",
                () -> cluster.node(f).leader().filter(others::contains).isPresent());
        int next = cluster.indexOf(cluster.node(f).leader().orElseThrow());
        assertThat(pending).as("the old leader cannot commit and does not know it was deposed").isNotDone();

        // Only the new leader's messages reach the old one, so it learns of the new term from them.
        network.block(oldId, cluster.id(next));
        network.partition(Set.of(oldId, cluster.id(next)), others);
        NotLeaderException e = Await.failure(pending, NotLeaderException.class);
        assertThat(e.leaderHint()).contains(cluster.id(next));
        assertThat(e.leaderAddress()).contains(cluster.members().get(cluster.id(next)));
        assertThat(Await.value(cluster.node(next).write(KvCommand.put("after", "v")))).isEqualTo("OK");
    }

    @Test
    void isolatedLeaderStepsDownAndFailsItsPendingWriteWithNotLeader() {
        cluster = TestCluster.startDefault(3);
        int old = cluster.awaitLeader();
        Await.value(cluster.node(old).write(KvCommand.put("before", "v")));
        MemoryNetwork.shared().isolate(cluster.id(old));
        KvCommand lostCommand = KvCommand.put("lost", "v");
        CompletableFuture<String> pending = cluster.node(old).write(lostCommand);

        // Check-quorum: the isolated leader steps down, and its pending write fails.
        Await.failure(pending, NotLeaderException.class);
        int next = -1;
        for (int i : cluster.followersOf(old)) {
            int candidate = i;
            Await.until(cluster.id(i) + " learns a new leader",
                    () -> cluster.node(candidate).leader().filter(l -> !l.equals(cluster.id(old))).isPresent());
            next = cluster.indexOf(cluster.node(i).leader().orElseThrow());
        }
        for (int n = 0; n < 10; n++) {
            assertThat(Await.value(cluster.node(next).write(KvCommand.put("after" + n, "v")))).isEqualTo("OK");
        }

        MemoryNetwork.shared().heal();
        assertThat(cluster.awaitLeader()).isEqualTo(next);
        cluster.awaitConverged();
        assertThat(cluster.sm(old).applied()).extracting(RecordingKv.Applied::command)
                .doesNotContain(lostCommand).hasSize(11);
    }
}
