package dev.raftkit.core;

import static dev.raftkit.core.OneNode.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.DriverDeadException;
import dev.raftkit.FatalException;
import dev.raftkit.Membership;
import dev.raftkit.NoLeaderException;
import dev.raftkit.NodeId;
import dev.raftkit.RaftException;
import dev.raftkit.ShutdownException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code RaftException.mayHaveCommitted()} on the paths that fail a write on one node, in virtual
 * time ({@link OneNode}): false for a write refused (no leader, the node already stopped, or the
 * node stopped before the driver took the write up, which is then never appended), true for one the
 * leader had taken up for its log when the node stopped, by {@code close()} or by a fault.
 */
class WriteOutcomeTest {

    @Test
    void writesWithoutALeaderAreRefused() {
        OneNode n = new OneNode();
        CompletableFuture<String> write = n.write("a");
        CompletableFuture<List<String>> batch = n.node.writeBatch(List.of("b"));
        n.runtime.settle();

        assertRefused(write, NoLeaderException.class);
        assertRefused(batch, NoLeaderException.class);
    }

    @Test
    void callsOnAClosedNodeAreRefused() {
        OneNode n = new OneNode().elected();
        n.closeFromNodeThread();

        assertRefused(n.node.write("a"), ShutdownException.class);
        assertRefused(n.node.writeBatch(List.of("b", "c")), ShutdownException.class);
        assertRefused(n.node.addLearner(NodeId.of("n2"), Address.parse("127.0.0.1:2")), ShutdownException.class);
        assertRefused(n.node.snapshot(), ShutdownException.class);
    }

    @Test
    void aWriteTheLeaderAppendedMayHaveCommittedWhenTheNodeCloses() {
        OneNode n = new OneNode().elected();
        n.runtime.hold("raft-storage");
        CompletableFuture<String> appended = n.write("a");
        CompletableFuture<List<String>> appendedBatch = n.node.writeBatch(List.of("b", "c"));
        n.runtime.settle();

        n.closeFromNodeThread();
        assertMayHaveCommitted(appended, ShutdownException.class);
        assertMayHaveCommitted(appendedBatch, ShutdownException.class);
    }

    @Test
    void aWriteTheDriverHadNotTakenUpWhenTheNodeClosedIsRefusedAndNeverAppended() {
        OneNode n = new OneNode().elected();
        n.runtime.settle();
        long lastIndex = n.store.lastIndex();
        n.runtime.hold("raft-driver");
        CompletableFuture<String> queued = n.write("a");
        CompletableFuture<List<String>> queuedBatch = n.node.writeBatch(List.of("b", "c"));

        n.closeFromNodeThread();
        assertRefused(queued, ShutdownException.class);
        assertRefused(queuedBatch, ShutdownException.class);
        n.runtime.release("raft-driver");
        n.runtime.settle();
        assertThat(n.events).containsOnly("answered a");
        assertThat(n.store.lastIndex()).isEqualTo(lastIndex);
    }

    @Test
    void aStoreFaultFailsTheAppendedWriteAsMaybeCommittedAndTheOneQueuedBehindItAsRefused() {
        OneNode n = new OneNode().elected();
        n.runtime.hold("raft-storage");
        CompletableFuture<String> appended = n.write("a");
        n.runtime.settle();
        long lastIndex = n.store.lastIndex();
        n.store.failNextPersist(new IOException("disk gone"));
        n.runtime.hold("raft-driver");
        n.runtime.release("raft-storage");
        n.runtime.settle(); // the persist of "a" fails; the driver hears of it only when released
        CompletableFuture<String> queued = n.write("b");

        n.runtime.release("raft-driver");
        n.runtime.settle();
        assertMayHaveCommitted(appended, FatalException.class);
        assertRefused(queued, FatalException.class);
        assertThat(failureOf(queued)).hasRootCauseMessage("disk gone");
        assertThat(n.store.lastIndex()).isEqualTo(lastIndex);
    }

    @Test
    void aDriverCrashFailsTheAppendedChangeAsMaybeCommittedAndTheWriteQueuedBehindItAsRefused() {
        OneNode n = new OneNode().elected();
        n.runtime.settle();
        n.transport.throwOnUpdatePeers = true;
        // Appending the configuration entry changes the peers the driver publishes: updatePeers
        // throws in the flush that follows, before the write queued behind the change is taken up.
        CompletableFuture<Membership> change = n.node.addLearner(NodeId.of("n2"), Address.parse("127.0.0.1:2"));
        List<CompletableFuture<String>> queued = new ArrayList<>();
        // Runs on the driver thread after the change's task, which queued the flush: the write's
        // task comes after the flush.
        n.runtime.queue("raft-driver").execute(() -> queued.add(n.write("a")));
        n.runtime.settle();

        assertMayHaveCommitted(change, DriverDeadException.class);
        assertRefused(queued.get(0), DriverDeadException.class);
        assertThat(n.events).containsOnly("answered a");
    }

    private static void assertRefused(CompletableFuture<?> call, Class<? extends RaftException> type) {
        assertThat(failureOf(call)).isInstanceOf(type)
                .satisfies(e -> assertThat(((RaftException) e).mayHaveCommitted()).as("mayHaveCommitted").isFalse());
    }

    private static void assertMayHaveCommitted(CompletableFuture<?> call, Class<? extends RaftException> type) {
        assertThat(failureOf(call)).isInstanceOf(type)
                .satisfies(e -> assertThat(((RaftException) e).mayHaveCommitted()).as("mayHaveCommitted").isTrue());
    }
}
