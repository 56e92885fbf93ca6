package dev.raftkit.lmdb;

import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Writes one snapshot to a temp file, computing its size and CRC32C on the way. {@link #commit()}
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
    private long size;
    private boolean finished;

    LmdbSnapshotWriter(Path temp, Publisher publisher) throws IOException {
        this.temp = temp;
        this.publisher = publisher;
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
        OutputStream file = Channels.newOutputStream(channel);
        this.output = new BufferedOutputStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                checkWritable();
                file.write(b, off, len);
                crc.update(b, off, len);
                size += len;
            }

            @Override
            public void close() throws IOException {
                // Closing the output only flushes: the writer owns the file until commit or close.
                flush();
            }
        }, 64 * 1024);
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public SnapshotMeta commit() throws IOException {
        checkWritable();
        try {
            output.flush();
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

    private void checkWritable() {
        if (finished) {
            throw new IllegalStateException("snapshot writer for " + temp + " was already committed or closed");
        }
    }
}
