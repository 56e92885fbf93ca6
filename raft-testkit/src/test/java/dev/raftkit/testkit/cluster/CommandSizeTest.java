package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.Transport;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.memory.MemoryTransport;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * API.md "Limits and node state": a write or batch over {@code maxCommandBytes} fails at once with
 * {@link IllegalArgumentException} naming the limit and appends nothing, and {@code maxCommandBytes}
 * is checked at start against what the transport carries.
 */
class CommandSizeTest extends ClusterTestBase {

    private static final int LIMIT = 1024;

    /** A put whose encoded size is exactly {@code bytes}. */
    private static KvCommand putOfEncodedSize(int bytes) {
        int overhead = KvCommand.CODEC.encode(KvCommand.put("k", "")).length;
        KvCommand command = KvCommand.put("k", "v".repeat(bytes - overhead));
        assertThat(KvCommand.CODEC.encode(command)).hasSize(bytes);
        return command;
    }

    /** The exception a future already failed with. */
    private static Throwable failedAtOnce(CompletableFuture<?> future) {
        assertThat(future).as("failed at once, before reaching the driver").isCompletedExceptionally();
        try {
            future.get();
            throw new AssertionError("unreachable: the future failed");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Starts three nodes with maxCommandBytes {@link #LIMIT}; returns the leader. */
    private NodeId startWithLimit() {
        cluster = clusterOf(3).tuning(b -> b.maxCommandBytes(LIMIT)).build().startAll();
        return cluster.awaitAgreedLeader();
    }

    /** Writes a marker and returns the log index it applied at. */
    private long indexOfNextWrite(NodeId l, String key) {
        Await.value(cluster.node(l).write(KvCommand.put(key, "v")));
        return cluster.stateMachine(l).applied().stream().filter(a -> a.command().equals(KvCommand.put(key, "v")))
                .findFirst().orElseThrow().index();
    }

    @Test
    void aCommandOverTheLimitFailsAtOnceAndAppendsNothing() {
        NodeId l = startWithLimit();
        Node<KvCommand, String> leader = cluster.node(l);
        long before = indexOfNextWrite(l, "before");

        Throwable refused = failedAtOnce(leader.write(putOfEncodedSize(LIMIT + 1)));

        assertThat(refused).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encodes to " + (LIMIT + 1) + " bytes, over maxCommandBytes (" + LIMIT + ")");
        assertThat(indexOfNextWrite(l, "after")).as("the next write takes the next index").isEqualTo(before + 1);
        assertThat(Await.value(leader.write(putOfEncodedSize(LIMIT)))).isEqualTo("OK");
        cluster.awaitConverged(RecordingKv::applied);
    }

    @Test
    void aBatchIsMeasuredByTheSumOfItsCommands() {
        NodeId l = startWithLimit();
        Node<KvCommand, String> leader = cluster.node(l);
        long before = indexOfNextWrite(l, "before");
        int third = LIMIT / 3;
        List<KvCommand> over = List.of(putOfEncodedSize(third), putOfEncodedSize(third),
                putOfEncodedSize(LIMIT - 2 * third + 1));

        Throwable refused = failedAtOnce(leader.writeBatch(over));

        assertThat(refused).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch of 3 commands encodes to " + (LIMIT + 1) + " bytes")
                .hasMessageContaining("maxCommandBytes (" + LIMIT + ")");
        assertThat(indexOfNextWrite(l, "after")).as("no entry of the batch was appended").isEqualTo(before + 1);
        List<KvCommand> exactly = List.of(putOfEncodedSize(third), putOfEncodedSize(third),
                putOfEncodedSize(LIMIT - 2 * third));
        assertThat(Await.value(leader.writeBatch(exactly))).containsExactly("OK", "OK", "OK");
    }

    @Test
    void aCommandThatFillsTheTransportsLimitReplicates() {
        int transportLimit = 64 * 1024;
        LogEntry empty = new LogEntry(1, 1, EntryKind.COMMAND, new byte[0]);
        NodeId anyone = NodeId.of("x");
        long emptyAppend = new AppendEntries(anyone, anyone, 1, 0, 0, List.of(empty), 0).sizeBytes();
        int fits = (int) (transportLimit - Transport.ENVELOPE_RESERVE_BYTES - emptyAppend);
        cluster = clusterOf(3).tuning(b -> b.maxCommandBytes(fits)
                .option(MemoryTransport.MAX_MESSAGE_BYTES_OPTION, Integer.toString(transportLimit))).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();

        assertThat(Await.value(cluster.node(l).write(putOfEncodedSize(fits)))).isEqualTo("OK");
        cluster.awaitConverged(RecordingKv::applied); // every follower received the entry: the transport carried it
    }

    @Test
    void aMaxCommandBytesTheTransportCannotCarryFailsAtStart() {
        int transportLimit = 64 * 1024;
        cluster = clusterOf(1).tuning(b -> b.maxCommandBytes(transportLimit)
                .option(MemoryTransport.MAX_MESSAGE_BYTES_OPTION, Integer.toString(transportLimit))).build();

        assertThatThrownBy(() -> cluster.start(cluster.id(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxCommandBytes (" + transportLimit + ") does not fit")
                .hasMessageContaining("maxMessageBytes (" + transportLimit + ",");
    }
}
