package dev.raftkit.lmdb;

import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Writes one snapshot to a temp file in {@link SnapshotFileFormat} (a header, then checksummed
 * blocks), computing the data's size and CRC32C on the way. {@link #commit()}
 * syncs and closes the file, then hands it to the store, which renames it and records it; closing
 * without committing deletes the temp file. Used by one thread at a time.
 */
final class LmdbSnapshotWriter implements SnapshotWriter {

    /** Publishes a synced, closed temp file as the latest snapshot. */
    @FunctionalInterface
    interface Publisher {
        SnapshotMeta publish(Path temp, long sizeBytes, long crc32c) throws IOException;
    }

    private final Path temp;
    private final FileChannel channel;
    private final CRC32C crc = new CRC32C();
    private final Publisher publisher;
    private final OutputStream output;
    private final byte[] block = new byte[SnapshotFileFormat.BLOCK_BYTES];
    private final ByteBuffer blockCrc = ByteBuffer.allocate(SnapshotFileFormat.CRC_BYTES);
    private int blockFill;
    /** The data bytes in the blocks written to the file so far. */
    private long size;
    private boolean finished;

    LmdbSnapshotWriter(Path temp, Publisher publisher) throws IOException {
        this.temp = temp;
        this.publisher = publisher;
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
        try {
            writeFully(SnapshotFileFormat.header());
        } catch (IOException | RuntimeException e) {
            abandon();
            throw e;
        }
        this.output = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                checkWritable();
                crc.update(b);
                block[blockFill++] = (byte) b;
                if (blockFill == block.length) {
                    writeBlock();
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                checkWritable();
                Objects.checkFromIndexSize(off, len, b.length);
                crc.update(b, off, len);
                while (len > 0) {
                    int n = Math.min(len, block.length - blockFill);
                    System.arraycopy(b, off, block, blockFill, n);
                    blockFill += n;
                    off += n;
                    len -= n;
                    if (blockFill == block.length) {
                        writeBlock();
                    }
                }
            }
        };
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public SnapshotMeta commit() throws IOException {
        checkWritable();
        try {
            if (blockFill > 0) {
                writeBlock();
            }
            channel.force(true);
            channel.close();
            SnapshotMeta meta = publisher.publish(temp, size, crc.getValue());
            finished = true;
            return meta;
        } finally {
            if (!finished) {
                abandon();
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (!finished) {
            abandon();
        }
    }

    private void abandon() throws IOException {
        finished = true;
        channel.close();
        Files.deleteIfExists(temp);
    }

    /** Writes the filled part of the block buffer and its checksum to the file. */
    private void writeBlock() throws IOException {
        writeFully(ByteBuffer.wrap(block, 0, blockFill));
        writeFully(blockCrc.clear().putInt(0, SnapshotFileFormat.blockCrc(size, block, 0, blockFill)));
        size += blockFill;
        blockFill = 0;
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private void checkWritable() {
        if (finished) {
            throw new IllegalStateException("snapshot writer for " + temp + " was already committed or closed");
        }
    }
}
