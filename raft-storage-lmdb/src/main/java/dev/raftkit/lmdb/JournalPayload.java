package dev.raftkit.lmdb;

import dev.raftkit.GroupId;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one journal record's payload holds: the {@link JournalRecord}s of one write, each for its log.
 * A single node's journal holds one log, so its payload is that log's {@link JournalRecord} as it
 * always was. A host's journal is tagged: its payload is kind {@link #GROUPS} (which a single node's
 * store takes for an unknown kind, so neither reads the other's journal), then
 * {@code count:int (idLength:byte id:ASCII length:int record[length])*count}, one
 * {@link JournalRecord} payload per group written, so one record, and one sync, covers a write to
 * many groups.
 *
 * <p>Stateless and thread-safe.
 */
final class JournalPayload {

    /** The kind byte of a host's record of several groups' records. */
    static final byte GROUPS = 3;

    /**
     * One log's record.
     *
     * @param keys the log's keyspace
     * @param record what is written to it
     */
    record Part(Keyspace keys, JournalRecord record) {
    }

    private JournalPayload() {
    }

    /**
     * Returns the payload of {@code parts}: untagged (a single node's, of exactly one part for
     * {@link Keyspace#NONE}) or tagged (a host's).
     */
    static byte[] encode(List<Part> parts, boolean tagged) {
        if (!tagged) {
            if (parts.size() != 1 || parts.get(0).keys().group() != null) {
                throw new IllegalArgumentException("a single node's journal record holds one record of its log");
            }
            return parts.get(0).record().encode();
        }
        List<byte[]> ids = new ArrayList<>(parts.size());
        List<byte[]> records = new ArrayList<>(parts.size());
        int length = 1 + Integer.BYTES;
        for (Part part : parts) {
            byte[] id = part.keys().group().value().getBytes(StandardCharsets.US_ASCII);
            byte[] record = part.record().encode();
            ids.add(id);
            records.add(record);
            length += 1 + id.length + Integer.BYTES + record.length;
        }
        ByteBuffer payload = ByteBuffer.allocate(length).put(GROUPS).putInt(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            payload.put((byte) ids.get(i).length).put(ids.get(i)).putInt(records.get(i).length).put(records.get(i));
        }
        return payload.array();
    }

    /**
     * Decodes and verifies a payload {@link #encode} wrote with the same {@code tagged}.
     *
     * @param payload the payload
     * @param tagged whether the journal is a host's
     * @param file the journal, for error messages
     * @param offset the record's offset in it, for error messages
     * @throws IOException if the payload is malformed or a record in it fails its check
     */
    static List<Part> decode(ByteBuffer payload, boolean tagged, Path file, long offset) throws IOException {
        if (!tagged) {
            return List.of(new Part(Keyspace.NONE, JournalRecord.decode(payload, file, offset)));
        }
        try {
            byte kind = payload.get();
            if (kind != GROUPS) {
                throw new IOException("record kind " + kind + " is not a host's record of groups (" + GROUPS
                        + "): the journal is a single node's, or damaged");
            }
            int count = payload.getInt();
            if (count < 0 || count > payload.remaining()) {
                throw new IOException("group count " + count + " does not fit in the payload");
            }
            List<Part> parts = new ArrayList<>(count);
            for (int k = 0; k < count; k++) {
                int idLength = payload.get();
                if (idLength < 1) {
                    throw new IOException("group id length " + idLength);
                }
                byte[] id = new byte[idLength];
                payload.get(id);
                Keyspace keys = Keyspace.of(GroupId.of(new String(id, StandardCharsets.US_ASCII)));
                int length = payload.getInt();
                if (length < 0 || length > payload.remaining()) {
                    throw new IOException("a record of " + length + " bytes for group " + keys.group()
                            + " in a payload with " + payload.remaining() + " left");
                }
                ByteBuffer record = payload.slice(payload.position(), length);
                payload.position(payload.position() + length);
                parts.add(new Part(keys, JournalRecord.decode(record, file, offset)));
            }
            if (payload.hasRemaining()) {
                throw new IOException(payload.remaining() + " bytes follow the last group's record");
            }
            return parts;
        } catch (BufferUnderflowException | IllegalArgumentException | IOException e) {
            throw new IOException("the journal record at offset " + offset + " of " + file + " is malformed: "
                    + e.getMessage(), e);
        }
    }
}
