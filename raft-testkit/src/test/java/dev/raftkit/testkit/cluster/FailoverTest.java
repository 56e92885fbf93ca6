package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NotLeaderException;
import dev.raftkit.ShutdownException;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.memory.MemoryNetwork;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leader failover: when the leader goes away a new one is elected and writes go on, and the old
 * leader's pending write fails (it may or may not have committed: a write is not exactly-once
 * across failover).
 */
class FailoverTest {

    private TestCluster cluster;

    @AfterEach
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

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
