package dev.raftkit.lmdb;

import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@link LmdbLogStore#persist} call as a journal record's payload:
 * {@code hasHardState:byte [length:int hardState] count:int [firstIndex:long (length:int entry)*count]},
 * where {@code hardState} and each {@code entry} are the values LMDB stores ({@link MetaRecords},
 * {@link EntryCodec}), each with its own CRC32C.
 *
 * @param hardState the hard state, or null to keep the current one
 * @param entries contiguous entries, possibly none
 */
record PersistRecord(HardState hardState, List<LogEntry> entries) {

    /** Returns the payload. */
    byte[] encode() {
        byte[] state = hardState == null ? null : MetaRecords.encodeHardState(hardState);
        int length = 1 + (state == null ? 0 : Integer.BYTES + state.length) + Integer.BYTES + Long.BYTES;
        for (LogEntry entry : entries) {
            length += Integer.BYTES + EntryCodec.encodedSize(entry);
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        payload.put((byte) (state == null ? 0 : 1));
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

    /**
     * Decodes and verifies a payload {@link #encode} wrote.
     *
     * @param payload the payload
     * @param file the journal, for error messages
     * @param offset the record's offset in it, for error messages
     * @throws IOException if the payload is malformed or an entry or the hard state fails its check
     */
    static PersistRecord decode(ByteBuffer payload, Path file, long offset) throws IOException {
        try {
            HardState state = payload.get() == 0 ? null : MetaRecords.decodeHardState(bytes(payload), file);
            int count = payload.getInt();
            long first = payload.getLong();
            if (count < 0 || count > payload.remaining() / Integer.BYTES) {
                throw new IOException("entry count " + count + " does not fit in the payload");
            }
            List<LogEntry> entries = new ArrayList<>(count);
            for (int k = 0; k < count; k++) {
                entries.add(EntryCodec.decode(first + k, bytes(payload), file));
            }
            if (payload.hasRemaining()) {
                throw new IOException(payload.remaining() + " bytes follow the last entry");
            }
            return new PersistRecord(state, entries);
        } catch (BufferUnderflowException | IllegalArgumentException | IOException e) {
            throw new IOException("the journal record at offset " + offset + " of " + file + " is malformed: "
                    + e.getMessage(), e);
        }
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
