package dev.raftkit.lmdb;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The layout of a snapshot file, so damage is found with its offset before a byte is handed out.
 *
 * <p>Format 2 (written now): a {@value #HEADER_BYTES}-byte header (magic {@code "RKSN"}, format
 * version, block size, CRC32C of those twelve bytes), then the data in blocks of
 * {@value #BLOCK_BYTES} bytes (the last one shorter, none for empty data), each followed by the
 * CRC32C of the block's data offset (8 bytes, big-endian) and its bytes, so a block moved to
 * another place fails too. All integers are big-endian.
 *
 * <p>Format 1 (written by earlier versions, still read): the raw data, checked against the size
 * and whole-data CRC32C recorded in LMDB. A file is taken for format 1 exactly when its length is
 * the recorded data size; a format-2 file is always longer than its data.
 */
final class SnapshotFileFormat {

    /** The format written now. */
    static final int VERSION = 2;
    /** The header's length in bytes. */
    static final int HEADER_BYTES = 16;
    /** The data bytes per block. */
    static final int BLOCK_BYTES = 64 * 1024;
    /** The length of each block's checksum. */
    static final int CRC_BYTES = 4;

    private static final int MAGIC = 0x524B534E; // "RKSN"
    private static final int HEADER_CHECKED_BYTES = 12;

    private SnapshotFileFormat() {
    }

    /** {@return the length of a format-2 file holding {@code dataBytes} bytes of data} */
    static long fileLength(long dataBytes) {
        long blocks = (dataBytes + BLOCK_BYTES - 1) / BLOCK_BYTES;
        return HEADER_BYTES + dataBytes + blocks * CRC_BYTES;
    }

    /** {@return the format-2 header} */
    static ByteBuffer header() {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        header.putInt(MAGIC).putInt(VERSION).putInt(BLOCK_BYTES);
        header.putInt((int) crc(header.array(), 0, HEADER_CHECKED_BYTES));
        return header.flip();
    }

    /**
     * Describes what is wrong with a header read from a file, or returns null if it is a valid
     * format-2 header.
     */
    static String headerProblem(ByteBuffer header) {
        ByteBuffer h = header.duplicate().order(ByteOrder.BIG_ENDIAN);
        if ((int) crc(h.array(), h.arrayOffset(), HEADER_CHECKED_BYTES) != h.getInt(HEADER_CHECKED_BYTES)) {
            return "its header fails its CRC32C";
        }
        if (h.getInt(0) != MAGIC || h.getInt(4) != VERSION || h.getInt(8) != BLOCK_BYTES) {
            return "its header names format " + h.getInt(4) + " with blocks of " + h.getInt(8)
                    + " bytes; this version reads format " + VERSION + " with blocks of " + BLOCK_BYTES;
        }
        return null;
    }

    /** {@return the checksum stored after the block of data at {@code dataOffset}} */
    static int blockCrc(long dataOffset, byte[] data, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, dataOffset));
        crc.update(data, off, len);
        return (int) crc.getValue();
    }

    private static long crc(byte[] bytes, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, off, len);
        return crc.getValue();
    }
}
