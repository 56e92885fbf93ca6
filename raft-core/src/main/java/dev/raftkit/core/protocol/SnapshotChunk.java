package dev.raftkit.core.protocol;

import dev.raftkit.spi.SnapshotMeta;

/**
 * A received piece of a snapshot the driver must write, in order, to the snapshot being installed.
 *
 * @param meta the snapshot
 * @param offset where {@code data} starts; 0 starts a new snapshot file
 * @param data the bytes
 * @param done whether this is the last piece: the driver then verifies the checksum, commits the
 *     snapshot, compacts the log ({@code keepSuffix}) or resets it, and reports back with
 *     {@link RaftCore#onSnapshotInstalled} or {@link RaftCore#onSnapshotRejected}
 * @param keepSuffix with {@code done}: whether the log matched the snapshot's position, so entries
 *     after it stay
 */
public record SnapshotChunk(SnapshotMeta meta, long offset, byte[] data, boolean done, boolean keepSuffix) {
}
