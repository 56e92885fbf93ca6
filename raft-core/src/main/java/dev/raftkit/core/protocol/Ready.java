package dev.raftkit.core.protocol;

import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import java.util.List;

/**
 * What the driver must do after stepping the core, in this order: send {@link #messages()} at once;
 * durably persist {@link #hardState()} and {@link #entries()} (in submission order with earlier
 * readies) and only then send {@link #afterPersist()} and report the persisted position back with
 * {@link RaftCore#onPersisted}; hand {@link #committed()} to the applier in order; run
 * {@link #reads()} once applied.
 *
 * @param hardState term, vote and commit to persist, or null if term and vote are unchanged and no
 *     entries are persisted
 * @param entries entries to persist, contiguous; they may replace a suffix of the durable log
 * @param messages messages that may go out before the persist
 * @param afterPersist messages that must wait until this and every earlier persist is durable
 *     (votes, append acknowledgements)
 * @param committed committed, durable entries to apply, in index order
 * @param reads confirmed linearizable reads
 * @param snapshotChunks pieces of a snapshot being received, to write before the persist (in order)
 * @param compactThrough if above 0, compact the durable log through this index after the persist
 */
public record Ready(HardState hardState, List<LogEntry> entries, List<RaftMessage> messages,
        List<RaftMessage> afterPersist, List<LogEntry> committed, List<ReadState> reads,
        List<SnapshotChunk> snapshotChunks, long compactThrough) {

    /** {@return whether the storage step has work: something to store or messages to hold back} */
    public boolean needsPersistStep() {
        return hardState != null || !entries.isEmpty() || !afterPersist.isEmpty() || !snapshotChunks.isEmpty()
                || compactThrough > 0;
    }
}
