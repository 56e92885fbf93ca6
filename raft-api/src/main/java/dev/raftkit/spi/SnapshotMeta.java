package dev.raftkit.spi;

import dev.raftkit.Membership;
import java.util.Objects;

/**
 * What describes a durable snapshot: the log position it covers, the configuration at that
 * position, and the size and checksum of its data.
 *
 * @param index the last log index the snapshot includes, at least 1
 * @param term the term of the entry at {@code index}
 * @param membership the configuration in force at {@code index}
 * @param sizeBytes the length of the snapshot data
 * @param crc32c the CRC32C of the snapshot data, as {@link java.util.zip.CRC32C#getValue()} gives it
 */
public record SnapshotMeta(long index, long term, Membership membership, long sizeBytes, long crc32c) {

    /**
     * Validates the metadata.
     *
     * @param index the last log index the snapshot includes, at least 1
     * @param term the term of the entry at {@code index}
     * @param membership the configuration in force at {@code index}
     * @param sizeBytes the length of the snapshot data
     * @param crc32c the CRC32C of the snapshot data, as {@link java.util.zip.CRC32C#getValue()} gives it
     * @throws IllegalArgumentException if a number is out of range
     */
    public SnapshotMeta {
        if (index < 1 || term < 1 || sizeBytes < 0) {
            throw new IllegalArgumentException("snapshot meta: index and term must be >= 1 and size >= 0, were "
                    + index + ", " + term + ", " + sizeBytes);
        }
        Objects.requireNonNull(membership, "membership");
    }
}
