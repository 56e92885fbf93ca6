package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.DriverDeadException;
import dev.raftkit.FatalException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.RaftException;
import dev.raftkit.ShutdownException;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.testkit.kv.KvCommand;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * API.md "Errors" for a node that stops: {@link ShutdownException} after {@code close()},
 * {@link DriverDeadException} after an engine thread (driver, storage or apply) dies, {@link FatalException} after a log
 * store fault. In each case pending and later calls fail with the same exception.
 */
class StopErrorsTest extends ClusterTestBase {

    /** However a node stopped, closing it ends every engine thread. */
    @AfterEach
    void closeClusterAndCheckThreads() {
        if (cluster != null) {
            cluster.close();
            Await.until("no engine thread of the cluster is left (" + cluster.engineThreads() + ")",
                    () -> cluster.engineThreads().isEmpty());
        }
    }

    @Test
    @SuppressWarnings("removal")
    void closeFailsPendingAndLaterCallsWithShutdown() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        RecordingKv sm = cluster.stateMachine(l);
        sm.hold();
        CompletableFuture<String> pendingWrite = leader.write(KvCommand.put("held", "v"));
        Await.until("the write is held at apply", sm::applyIsHeld);
        CompletableFuture<List<String>> pendingBatch = leader.writeBatch(List.of(KvCommand.put("b", "v")));
        CompletableFuture<Optional<String>> pendingRead = leader.readLocal(() -> sm.kv().get("held"));
        CompletableFuture<Optional<String>> pendingLinearizable = leader.readLinearizable(() -> sm.kv().get("held"));
        assertThat(List.of(pendingWrite, pendingBatch, pendingRead, pendingLinearizable)).noneMatch(f -> f.isDone());
        // What the check after each test must see go: driver, storage, apply and notify threads.
        Await.until("every node runs its four engine threads", () -> cluster.engineThreads().size() == 4 * 3);

        leader.close();
        for (CompletableFuture<?> pending : List.of(pendingWrite, pendingBatch, pendingRead, pendingLinearizable)) {
            Await.failure(pending, ShutdownException.class);
        }
        leader.close(); // idempotent
        assertFailsWith(leader, ShutdownException.class);
        Await.failure(leader.propose(KvCommand.put("later", "v")), ShutdownException.class);

        sm.release();
    }

    @Test
    void errorOnTheDriverThreadFailsPendingAndLaterCallsWithDriverDead() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        RecordingKv sm = cluster.stateMachine(l);
        sm.hold();
        CompletableFuture<String> pendingWrite = leader.write(KvCommand.put("held", "v"));
        Await.until("the write is held at apply", sm::applyIsHeld);
        CompletableFuture<Optional<String>> pendingRead = leader.readLocal(() -> sm.kv().get("held"));

        // The leader sends heartbeats from its driver thread: the next one kills it.
        StackOverflowError injected = new StackOverflowError("injected into the leader's send");
        transport(l).failNextSend(Heartbeat.class, injected);
        assertThat(Await.failure(pendingWrite, DriverDeadException.class)).hasCause(injected);
        Await.failure(pendingRead, DriverDeadException.class);
        assertFailsWith(leader, DriverDeadException.class);
        leader.close();
        assertFailsWith(leader, DriverDeadException.class);

        // The others elect a new leader and go on.
        cluster.stop(l);
        NodeId next = cluster.awaitAgreedLeader();
        assertThat(Await.value(cluster.node(next).write(KvCommand.put("after", "v")))).isEqualTo("OK");
    }

    @Test
    void errorOnTheStorageThreadFailsPendingAndLaterCallsWithDriverDead() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        NodeId f = cluster.followersOf(l).get(0);
        Node<KvCommand, String> follower = cluster.node(f);
        RecordingKv sm = cluster.stateMachine(f);
        sm.hold();
        Await.value(cluster.node(l).write(KvCommand.put("first", "v")));
        Await.until("the follower's apply is held", sm::applyIsHeld);
        CompletableFuture<Optional<String>> pendingRead = follower.readLocal(() -> sm.kv().get("first"));

        // A follower acknowledges appends only once they are durable, from its storage thread.
        AssertionError injected = new AssertionError("injected into the follower's acknowledgement");
        transport(f).failNextSend(AppendEntriesResponse.class, injected);
        Await.value(cluster.node(l).write(KvCommand.put("second", "v")));
        assertThat(Await.failure(pendingRead, DriverDeadException.class)).hasCause(injected);
        assertFailsWith(follower, DriverDeadException.class);
    }

    @Test
    void errorOnTheApplyThreadFailsPendingAndLaterCallsWithDriverDead() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        KvCommand poison = KvCommand.put("poison", "v");
        StackOverflowError injected = new StackOverflowError("injected into the leader's apply");
        cluster.stateMachine(l).failApplyOf(poison, injected);
        List<KvCommand> batch = List.of(KvCommand.put("a", "v"), poison, KvCommand.put("b", "v"));

        assertThat(Await.failure(leader.writeBatch(batch), DriverDeadException.class)).hasCause(injected);
        assertFailsWith(leader, DriverDeadException.class);
        // The node applied nothing after the entry it could not apply.
        assertThat(cluster.stateMachine(l).applied()).extracting(RecordingKv.Applied::command)
                .containsExactly(KvCommand.put("a", "v"));

        cluster.stop(l);
        NodeId next = cluster.awaitAgreedLeader();
        assertThat(Await.value(cluster.node(next).write(KvCommand.put("after", "v")))).isEqualTo("OK");
    }

    @Test
    void logStoreFaultFailsPendingAndLaterCallsWithFatal() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        RecordingKv sm = cluster.stateMachine(l);
        sm.hold();
        CompletableFuture<String> pendingWrite = leader.write(KvCommand.put("held", "v"));
        Await.until("the write is held at apply", sm::applyIsHeld);
        CompletableFuture<Optional<String>> pendingRead = leader.readLocal(() -> sm.kv().get("held"));

        IOException injected = new IOException("injected: disk gone");
        cluster.disk(l).failWritesFrom(injected);
        CompletableFuture<String> failingWrite = leader.write(KvCommand.put("fails", "v"));
        for (CompletableFuture<?> pending : List.of(failingWrite, pendingWrite, pendingRead)) {
            FatalException e = Await.failure(pending, FatalException.class);
            assertThat(e.getCause()).isNotNull();
            assertThat(e).hasRootCauseMessage("injected: disk gone");
        }
        assertFailsWith(leader, FatalException.class);
        leader.close();
        assertFailsWith(leader, FatalException.class);

        cluster.stop(l);
        NodeId next = cluster.awaitAgreedLeader();
        assertThat(Await.value(cluster.node(next).write(KvCommand.put("after", "v")))).isEqualTo("OK");
    }

    /** Every call on {@code node} fails at once with {@code type}. */
    private static void assertFailsWith(Node<KvCommand, String> node, Class<? extends RaftException> type) {
        Await.failure(node.write(KvCommand.put("later", "v")), type);
        Await.failure(node.writeBatch(List.of(KvCommand.put("later", "v"))), type);
        Await.failure(node.readLinearizable(() -> "read"), type);
        Await.failure(node.readLocal(() -> "read"), type);
    }
}
