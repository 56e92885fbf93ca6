package dev.raftkit.lmdb;

import dev.raftkit.lmdb.MetaRecords.SnapshotRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A published snapshot as a journal record's payload: {@code kind:byte(4)} then the snapshot record
 * as LMDB's meta database stores it ({@link MetaRecords#encodeSnapshot}, with its own CRC32C).
 * Recording it in the journal costs one journal sync and never waits for LMDB's writer, which a
 * checkpoint moving the journal into LMDB may hold for seconds.
 *
 * @param snapshot the snapshot file and what it holds
 */
record SnapshotJournalRecord(SnapshotRecord snapshot) implements JournalRecord {

    @Override
    public byte[] encode() {
        byte[] value = MetaRecords.encodeSnapshot(snapshot);
        return ByteBuffer.allocate(1 + value.length).put(SNAPSHOT).put(value).array();
    }

    @Override
    public String misfit(Overlay overlay) {
        return null; // a snapshot may be recorded whatever the log holds
    }

    @Override
    public Overlay applyTo(Overlay overlay) {
        return overlay.withSnapshot(snapshot);
    }

    /** Reads the fields after the kind byte: the rest of the payload. */
    static SnapshotJournalRecord decodeFields(ByteBuffer payload, Path file) throws IOException {
        byte[] value = new byte[payload.remaining()];
        payload.get(value);
        return new SnapshotJournalRecord(MetaRecords.decodeSnapshot(value, file));
    }
}
