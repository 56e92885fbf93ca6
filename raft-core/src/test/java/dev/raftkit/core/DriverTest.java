package dev.raftkit.core;

import static dev.raftkit.core.OneNode.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.DriverDeadException;
import dev.raftkit.FatalException;
import dev.raftkit.NodeId;
import dev.raftkit.NodeState;
import dev.raftkit.ShutdownException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The driver's own rules, on one node in virtual time ({@link OneNode}): a write is answered only
 * once its entry is durable; closing fails what is pending with {@link ShutdownException} and closes
 * the store after the persists already queued; a store failure stops the node with
 * {@link FatalException}; anything else thrown on the driver thread stops it with
 * {@link DriverDeadException}.
 */
class DriverTest {

    @Test
    void aWriteIsAnsweredOnlyOnceItsEntryIsDurable() {
        OneNode n = new OneNode().elected();
        int persists = n.store.persists();
        n.runtime.hold("raft-storage");
        CompletableFuture<String> write = n.write("a");
        n.runtime.settle();
        assertThat(write).isNotDone();
        assertThat(n.events).isEmpty();

        n.runtime.release("raft-storage");
        n.runtime.settle();
        assertThat(write).isCompletedWithValueMatching(r -> r.startsWith("a@"));
        assertThat(n.store.persists()).isGreaterThan(persists);
    }

    @Test
    void closeFailsPendingCallsWithShutdownExceptionAndClosesTheStoreAfterQueuedPersists() {
        OneNode n = new OneNode().elected();
        n.runtime.hold("raft-storage");
        CompletableFuture<String> pending = n.write("a");
        n.runtime.settle();
        int persists = n.store.persists();

        n.closeFromNodeThread();
        assertThat(failureOf(pending)).isInstanceOf(ShutdownException.class);
        assertThat(failureOf(n.node.write("b"))).isInstanceOf(ShutdownException.class);
        assertThat(n.transport.closed).isTrue();
        assertThat(n.store.closed()).isFalse();

        n.runtime.release("raft-storage");
        n.runtime.settle();
        assertThat(n.store.persists()).as("the append queued before close is still written").isEqualTo(persists + 1);
        assertThat(n.store.closed()).isTrue();
        assertThat(n.node.status().state()).isEqualTo(NodeState.CLOSED);
    }

    @Test
    void aStoreFailureStopsTheNodeWithFatalException() {
        OneNode n = new OneNode().elected();
        n.store.failNextPersist(new IOException("disk gone"));
        CompletableFuture<String> write = n.write("a");
        n.runtime.settle();

        assertThat(failureOf(write)).isInstanceOf(FatalException.class).hasMessageContaining("disk gone");
        assertThat(n.events).containsExactly("answered a");
        assertThat(n.node.status().state()).isEqualTo(NodeState.FAILED);
        assertThat(failureOf(n.node.write("b"))).isInstanceOf(FatalException.class);
        assertThat(n.store.closed()).isTrue();
    }

    @Test
    void aCrashOnTheDriverThreadStopsTheNodeWithDriverDeadException() {
        OneNode n = new OneNode().elected();
        n.transport.throwOnUpdatePeers = true;
        // Appending the configuration entry changes the peers the driver publishes: updatePeers throws.
        CompletableFuture<?> change = n.node.addLearner(NodeId.of("n2"), Address.parse("127.0.0.1:2"));
        n.runtime.settle();

        assertThat(failureOf(change)).isInstanceOf(DriverDeadException.class)
                .hasMessageContaining("driver died").hasRootCauseMessage("updatePeers broke");
        assertThat(n.node.status().state()).isEqualTo(NodeState.FAILED);
        assertThat(failureOf(n.node.write("b"))).isInstanceOf(DriverDeadException.class);
    }

    @Test
    void theFirstRoleLineNamesTheRoleTheNodeStartsIn() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            new OneNode().runtime.settle();
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("[n1] term 0: starting as FOLLOWER").doesNotContain("null ->");
    }
}
