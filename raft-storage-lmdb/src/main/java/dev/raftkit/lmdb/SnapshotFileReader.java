package dev.raftkit.lmdb;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Opens a snapshot file for reading only after checking all of it, so a state machine never sees a
 * byte of a damaged snapshot. The check reads the file once (a snapshot is read twice); a damaged
 * file fails with an {@link IOException} naming the file and the offset of the damage:
 * <ul>
 *   <li>format 2 ({@link SnapshotFileFormat}): the data range of the block that fails its CRC32C,
 *       or the offset where the file is cut short or runs long;
 *   <li>format 1: one CRC32C covers the whole file, so the damage is somewhere in
 *       {@code [0, size)}.
 * </ul>
 * The returned stream checks each block again as it hands it out (and a format-1 stream its size
 * and CRC32C at the end), so damage done after the check still fails before the damaged block's
 * bytes are returned.
 */
final class SnapshotFileReader {

    private SnapshotFileReader() {
    }

    /**
     * Checks the whole file, then returns a stream of its data; closing the stream closes
     * {@code channel}, which is closed here too if the check fails.
     *
     * @param channel the open file, read from offset 0
     * @param file its path, for error messages
     * @param sizeBytes the data size recorded for the snapshot
     * @param crc32c the data's CRC32C recorded for the snapshot
     * @throws IOException if the file cannot be read or fails the check
     */
    static InputStream open(FileChannel channel, Path file, long sizeBytes, long crc32c) throws IOException {
        try {
            long length = channel.size();
            if (length == sizeBytes) {
                checkFormat1(channel, file, sizeBytes, crc32c);
                return new VerifyingInputStream(Channels.newInputStream(channel.position(0)), sizeBytes, crc32c, file);
            }
            long expected = SnapshotFileFormat.fileLength(sizeBytes);
            if (length != expected) {
                throw new IOException("snapshot file " + file + " is damaged at file offset " + Math.min(length, expected)
                        + ": it is " + length + " bytes long, but " + sizeBytes + " bytes of data take " + expected
                        + (length < expected ? " (cut short)" : " (extra bytes at the end)"));
            }
            checkFormat2(channel, file, sizeBytes, crc32c);
            return new BlockInputStream(new Blocks(channel, file, sizeBytes));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static void checkFormat1(FileChannel channel, Path file, long sizeBytes, long crc32c) throws IOException {
        InputStream in = new VerifyingInputStream(Channels.newInputStream(channel), sizeBytes, crc32c, file);
        byte[] discard = new byte[SnapshotFileFormat.BLOCK_BYTES];
        while (in.read(discard) >= 0) {
            // Reading to the end is the check: VerifyingInputStream throws there if the file is damaged.
        }
    }

    private static void checkFormat2(FileChannel channel, Path file, long sizeBytes, long crc32c) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(SnapshotFileFormat.HEADER_BYTES);
        readFully(channel, header, 0, file);
        String problem = SnapshotFileFormat.headerProblem(header.flip());
        if (problem != null) {
            throw new IOException("snapshot file " + file + " is damaged at file offset 0: " + problem);
        }
        Blocks blocks = new Blocks(channel, file, sizeBytes);
        CRC32C crc = new CRC32C();
        for (int n = blocks.next(); n >= 0; n = blocks.next()) {
            crc.update(blocks.buffer, 0, n);
        }
        if (crc.getValue() != crc32c) {
            throw new IOException("snapshot file " + file + " is not the recorded snapshot: its blocks are intact, but "
                    + "the data's CRC32C " + Long.toHexString(crc.getValue()) + " differs from the recorded "
                    + Long.toHexString(crc32c) + " (damage somewhere in data bytes [0, " + sizeBytes + "))");
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position, Path file) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int n = channel.read(into, at);
            if (n < 0) {
                throw new IOException("snapshot file " + file + " is damaged at file offset " + at + ": it ends there");
            }
            at += n;
        }
    }

    /** Reads the blocks of a format-2 file in order, each checked against its CRC32C. */
    private static final class Blocks {

        private final FileChannel channel;
        private final Path file;
        private final long sizeBytes;
        private final byte[] buffer = new byte[SnapshotFileFormat.BLOCK_BYTES + SnapshotFileFormat.CRC_BYTES];
        /** The data offset of the next block. */
        private long dataOffset;

        Blocks(FileChannel channel, Path file, long sizeBytes) {
            this.channel = channel;
            this.file = file;
            this.sizeBytes = sizeBytes;
        }

        /**
         * Reads and checks the next block into {@code buffer}.
         *
         * @return the number of data bytes in it, or -1 after the last block
         */
        int next() throws IOException {
            if (dataOffset == sizeBytes) {
                return -1;
            }
            int length = (int) Math.min(SnapshotFileFormat.BLOCK_BYTES, sizeBytes - dataOffset);
            long fileOffset = SnapshotFileFormat.fileLength(dataOffset);
            ByteBuffer block = ByteBuffer.wrap(buffer, 0, length + SnapshotFileFormat.CRC_BYTES);
            readFully(channel, block, fileOffset, file);
            if (SnapshotFileFormat.blockCrc(dataOffset, buffer, 0, length) != block.getInt(length)) {
                throw new IOException("snapshot file " + file + " is damaged in data bytes [" + dataOffset + ", "
                        + (dataOffset + length) + ") at file offset " + fileOffset
                        + ": that block fails its CRC32C");
            }
            dataOffset += length;
            return length;
        }
    }

    /** The data of a checked format-2 file, block by block, each checked again as it is read. */
    private static final class BlockInputStream extends InputStream {

        private final Blocks blocks;
        private int available;
        private int position;
        private boolean ended;

        BlockInputStream(Blocks blocks) {
            this.blocks = blocks;
        }

        @Override
        public int read() throws IOException {
            return fill() ? blocks.buffer[position++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, available - position);
            System.arraycopy(blocks.buffer, position, b, off, n);
            position += n;
            return n;
        }

        @Override
        public int available() {
            return available - position;
        }

        @Override
        public void close() throws IOException {
            blocks.channel.close();
        }

        /** Makes unread bytes available; returns false at the end of the data. */
        private boolean fill() throws IOException {
            if (position < available) {
                return true;
            }
            if (ended) {
                return false;
            }
            int n = blocks.next();
            ended = n < 0;
            available = Math.max(n, 0);
            position = 0;
            return !ended;
        }
    }
}
