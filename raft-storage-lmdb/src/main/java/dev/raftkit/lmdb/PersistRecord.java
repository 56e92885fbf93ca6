package dev.raftkit.lmdb;

import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@link LmdbLogStore#persist} call as a journal record's payload:
 * {@code kind:byte [length:int hardState] count:int [firstIndex:long (length:int entry)*count]},
 * the kind {@link JournalRecord#PERSIST_WITH_HARD_STATE} if the hard state follows, else
 * {@link JournalRecord#PERSIST},
 * where {@code hardState} and each {@code entry} are the values LMDB stores ({@link MetaRecords},
 * {@link EntryCodec}), each with its own CRC32C.
 *
 * @param hardState the hard state, or null to keep the current one
 * @param entries contiguous entries, possibly none
 */
record PersistRecord(HardState hardState, List<LogEntry> entries) implements JournalRecord {

    @Override
    public byte[] encode() {
        byte[] state = hardState == null ? null : MetaRecords.encodeHardState(hardState);
        int length = 1 + (state == null ? 0 : Integer.BYTES + state.length) + Integer.BYTES + Long.BYTES;
        for (LogEntry entry : entries) {
            length += Integer.BYTES + EntryCodec.encodedSize(entry);
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        payload.put(state == null ? PERSIST : PERSIST_WITH_HARD_STATE);
        if (state != null) {
            payload.putInt(state.length).put(state);
        }
        payload.putInt(entries.size()).putLong(entries.isEmpty() ? 0 : entries.get(0).index());
        for (LogEntry entry : entries) {
            payload.putInt(EntryCodec.encodedSize(entry));
            EntryCodec.encode(entry, payload);
        }
        return payload.array();
    }

    @Override
    public String misfit(Overlay overlay) {
        return overlay.persistMisfit(entries);
    }

    @Override
    public Overlay applyTo(Overlay overlay) {
        return overlay.with(hardState, entries);
    }

    /** Reads the fields after the kind byte; the caller checks nothing follows and wraps errors. */
    static PersistRecord decodeFields(boolean hasHardState, ByteBuffer payload, Path file) throws IOException {
        HardState state = hasHardState ? MetaRecords.decodeHardState(bytes(payload), file) : null;
        int count = payload.getInt();
        long first = payload.getLong();
        if (count < 0 || count > payload.remaining() / Integer.BYTES) {
            throw new IOException("entry count " + count + " does not fit in the payload");
        }
        List<LogEntry> entries = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            entries.add(EntryCodec.decode(first + k, bytes(payload), file));
        }
        return new PersistRecord(state, entries);
    }

    private static byte[] bytes(ByteBuffer payload) {
        int length = payload.getInt();
        if (length < 0 || length > payload.remaining()) {
            throw new IllegalArgumentException("a field of " + length + " bytes in a payload with "
                    + payload.remaining() + " left");
        }
        byte[] value = new byte[length];
        payload.get(value);
        return value;
    }
}
