package dev.raftkit.lmdb;

import dev.raftkit.lmdb.MetaRecords.LogStart;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One {@link LmdbLogStore#compact} call as a journal record's payload:
 * {@code kind:byte(2) index:long term:long}, the new log start.
 *
 * @param start the position the log continues from after the compaction
 */
record CompactRecord(LogStart start) implements JournalRecord {

    private static final int LENGTH = 1 + 2 * Long.BYTES;

    @Override
    public byte[] encode() {
        return ByteBuffer.allocate(LENGTH).put(COMPACT).putLong(start.index()).putLong(start.term()).array();
    }

    @Override
    public String misfit(Overlay overlay) {
        return overlay.compactMisfit(start);
    }

    @Override
    public Overlay applyTo(Overlay overlay) {
        return overlay.compacted(start);
    }

    /** Reads the fields after the kind byte; the caller checks nothing follows. */
    static CompactRecord decodeFields(ByteBuffer payload) throws IOException {
        long index = payload.getLong();
        long term = payload.getLong();
        if (index < 1 || term < 1) {
            throw new IOException("compaction through index " + index + " of term " + term
                    + ": both must be at least 1");
        }
        return new CompactRecord(new LogStart(index, term));
    }
}
