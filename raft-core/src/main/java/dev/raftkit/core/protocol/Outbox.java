package dev.raftkit.core.protocol;

import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What the core produced for the driver since the last {@link Ready}: messages (those that may
 * leave at once and those that must wait for the persist), confirmed reads, snapshot chunks to
 * write, the compaction point, and the events the driver takes separately (reads dropped by a
 * leader stepping down, a leadership transfer abandoned).
 */
final class Outbox {

    /** The test-only mutation switch {@link CoreOptions#unsafeAckBeforeDurable()}. */
    private final boolean ackBeforeDurable;
    private final List<RaftMessage> messages = new ArrayList<>();
    private final List<RaftMessage> afterPersist = new ArrayList<>();
    private final List<ReadState> reads = new ArrayList<>();
    private final List<Long> droppedReads = new ArrayList<>();
    private final List<SnapshotChunk> snapshotChunks = new ArrayList<>();
    private long compactThrough;
    private boolean transferAborted;

    Outbox(boolean ackBeforeDurable) {
        this.ackBeforeDurable = ackBeforeDurable;
    }

    /**
     * Queues a message.
     *
     * @param m the message
     * @param termOrVoteUnpersisted whether the term or vote changed since the last persist: then
     *     the message waits for it, since it depends on them
     */
    void send(RaftMessage m, boolean termOrVoteUnpersisted) {
        if (termOrVoteUnpersisted && !ackBeforeDurable) {
            afterPersist.add(m);
        } else {
            messages.add(m);
        }
    }

    /** Queues a message that acknowledges durable state: it leaves only after the persist. */
    void sendAfterPersist(RaftMessage m) {
        if (ackBeforeDurable) {
            messages.add(m);
        } else {
            afterPersist.add(m);
        }
    }

    /** Hands out a confirmed read. */
    void read(ReadState read) {
        reads.add(read);
    }

    /** Records reads the leader dropped on stepping down; the driver fails them. */
    void dropReads(Collection<Long> contexts) {
        droppedReads.addAll(contexts);
    }

    /** Queues a received snapshot chunk for the driver to write. */
    void snapshotChunk(SnapshotChunk chunk) {
        snapshotChunks.add(chunk);
    }

    /** Asks the driver to compact the durable log through {@code index} after the persist. */
    void compactThrough(long index) {
        compactThrough = Math.max(compactThrough, index);
    }

    /** Records that a leadership transfer was abandoned. */
    void transferAborted() {
        transferAborted = true;
    }

    /** {@return whether anything waits for the next ready} */
    boolean hasWork() {
        return !messages.isEmpty() || !afterPersist.isEmpty() || !reads.isEmpty() || !snapshotChunks.isEmpty()
                || compactThrough > 0;
    }

    /** Builds the ready from what waits here and the log's part, then empties this outbox. */
    Ready take(HardState hardState, List<LogEntry> entries, List<LogEntry> committed) {
        Ready ready = new Ready(hardState, entries, List.copyOf(messages), List.copyOf(afterPersist), committed,
                List.copyOf(reads), List.copyOf(snapshotChunks), compactThrough);
        messages.clear();
        afterPersist.clear();
        reads.clear();
        snapshotChunks.clear();
        compactThrough = 0;
        return ready;
    }

    /** {@return the dropped reads, clearing them} */
    List<Long> takeDroppedReads() {
        List<Long> out = List.copyOf(droppedReads);
        droppedReads.clear();
        return out;
    }

    /** {@return whether a transfer was abandoned since the last call, clearing the flag} */
    boolean takeTransferAborted() {
        boolean aborted = transferAborted;
        transferAborted = false;
        return aborted;
    }
}
