package dev.raftkit;

/**
 * A snapshot that a node has made durable.
 *
 * @param index the last log index the snapshot includes
 * @param term the term of the entry at {@code index}
 * @param sizeBytes the size of the state machine's snapshot data in bytes
 */
public record SnapshotInfo(long index, long term, long sizeBytes) {
}
