package dev.raftkit.testkit.memory;

import java.util.zip.CRC32C;

/** Computes the CRC32C a {@link dev.raftkit.spi.SnapshotMeta} carries. */
final class Crc32c {

    private Crc32c() {
    }

    /** Returns the CRC32C of {@code data}, as {@link CRC32C#getValue()} gives it. */
    static long of(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        return crc.getValue();
    }
}
