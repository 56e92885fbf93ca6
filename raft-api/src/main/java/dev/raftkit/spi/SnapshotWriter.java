package dev.raftkit.spi;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes one snapshot's data for a {@link LogStore}. Obtain one from
 * {@link LogStore#beginSnapshot}, write the data to {@link #output()}, then {@link #commit()}.
 * Closing without committing abandons the snapshot and removes what was written.
 *
 * <p>Used by one thread at a time. Implementations write to a temporary name and make the snapshot
 * visible only in {@link #commit()}, so a crash at any point leaves either the previous snapshot or
 * this one, never a partial one.
 */
public interface SnapshotWriter extends AutoCloseable {

    /** {@return the stream to write the snapshot data to; closing it does not commit} */
    OutputStream output();

    /**
     * Makes the snapshot durable (fsync, then atomic rename) and the store's latest.
     *
     * @return the committed snapshot's metadata, with its size and checksum
     * @throws IOException if it cannot be made durable; the previous snapshot stays the latest
     */
    SnapshotMeta commit() throws IOException;

    /** Abandons the snapshot if it was not committed; otherwise does nothing. */
    @Override
    void close() throws IOException;
}
