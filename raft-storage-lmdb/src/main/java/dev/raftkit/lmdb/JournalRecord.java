package dev.raftkit.lmdb;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A journal record's payload: a kind byte, then the kind's fields. Kinds 0 and 1 are a
 * {@link PersistRecord} without and with a hard state (the byte format 2 wrote as its "has hard
 * state" flag, so its journals read unchanged); kind 2 is a {@link CompactRecord}; kind 3 is a host's
 * record of several groups ({@link JournalPayload#GROUPS}); kind 4 is a {@link SnapshotJournalRecord}.
 */
sealed interface JournalRecord permits PersistRecord, CompactRecord, SnapshotJournalRecord {

    /** The kind byte of a persist without a hard state. */
    byte PERSIST = 0;
    /** The kind byte of a persist with a hard state. */
    byte PERSIST_WITH_HARD_STATE = 1;
    /** The kind byte of a compaction. */
    byte COMPACT = 2;
    /** The kind byte of a published snapshot (3 is {@link JournalPayload#GROUPS}). */
    byte SNAPSHOT = 4;

    /** Returns the payload, kind byte first. */
    byte[] encode();

    /**
     * Returns why this record cannot follow what {@code overlay} holds, or null if it can; see
     * {@link Overlay#persistMisfit} and {@link Overlay#compactMisfit}.
     */
    String misfit(Overlay overlay);

    /** Returns {@code overlay} after this record, which {@link #misfit} accepts. */
    Overlay applyTo(Overlay overlay);

    /**
     * Decodes and verifies a payload {@link #encode} wrote.
     *
     * @param payload the payload
     * @param file the journal, for error messages
     * @param offset the record's offset in it, for error messages
     * @throws IOException if the payload is malformed, of an unknown kind, or an entry or the hard
     *     state in it fails its check
     */
    static JournalRecord decode(ByteBuffer payload, Path file, long offset) throws IOException {
        try {
            byte kind = payload.get();
            JournalRecord record = switch (kind) {
                case PERSIST, PERSIST_WITH_HARD_STATE -> PersistRecord.decodeFields(kind == PERSIST_WITH_HARD_STATE,
                        payload, file);
                case COMPACT -> CompactRecord.decodeFields(payload);
                case SNAPSHOT -> SnapshotJournalRecord.decodeFields(payload, file);
                default -> throw new IOException("unknown record kind " + kind);
            };
            if (payload.hasRemaining()) {
                throw new IOException(payload.remaining() + " bytes follow the record's last field");
            }
            return record;
        } catch (BufferUnderflowException | IllegalArgumentException | IOException e) {
            throw new IOException("the journal record at offset " + offset + " of " + file + " is malformed: "
                    + e.getMessage(), e);
        }
    }
}
