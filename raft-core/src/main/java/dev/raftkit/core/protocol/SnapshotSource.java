package dev.raftkit.core.protocol;

import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * The leader's side of one snapshot transfer: the snapshot's data stream, opened once and read in
 * order, plus the chunks sent but not yet acknowledged, kept for resending. Holding the stream open
 * keeps the snapshot readable for the whole transfer even when the leader takes newer snapshots
 * meanwhile ({@link LogStore#openSnapshot}), so a transfer is never restarted because the leader
 * moved on: it finishes, and the follower catches up from the log or a later snapshot.
 */
final class SnapshotSource implements AutoCloseable {

    private record Chunk(long offset, byte[] data) {
    }

    private final SnapshotMeta meta;
    private final InputStream in;
    private long position;
    private final ArrayDeque<Chunk> unacknowledged = new ArrayDeque<>();

    private SnapshotSource(SnapshotMeta meta, InputStream in) {
        this.meta = meta;
        this.in = in;
    }

    /** Opens the stream of {@code meta}. */
    static SnapshotSource open(LogStore store, SnapshotMeta meta) throws IOException {
        return new SnapshotSource(meta, store.openSnapshot(meta));
    }

    SnapshotMeta meta() {
        return meta;
    }

    /**
     * Returns the chunk at {@code offset}: resent from memory if it was sent before, else read from
     * the stream (skipping forward if the follower already holds more).
     *
     * @param offset where the chunk starts
     * @param length the chunk size for a new chunk
     * @return the chunk, or null if {@code offset} lies before what is kept (the transfer must start over)
     */
    byte[] chunkAt(long offset, int length) throws IOException {
        if (offset < position) {
            for (Chunk c : unacknowledged) {
                if (c.offset == offset) {
                    return c.data;
                }
            }
            return null;
        }
        in.skipNBytes(offset - position);
        position = offset;
        byte[] data = in.readNBytes(length);
        if (data.length != length) {
            throw new IOException("snapshot " + meta.index() + " ended at " + (position + data.length) + " of "
                    + meta.sizeBytes() + " bytes");
        }
        unacknowledged.add(new Chunk(position, data));
        position += length;
        return data;
    }

    /** Forgets the chunks the follower holds: everything before {@code offset}. */
    void acknowledged(long offset) {
        while (!unacknowledged.isEmpty()
                && unacknowledged.peekFirst().offset + unacknowledged.peekFirst().data.length <= offset) {
            unacknowledged.pollFirst();
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // Nothing was written: a failed close of a read stream loses nothing.
        }
    }
}
