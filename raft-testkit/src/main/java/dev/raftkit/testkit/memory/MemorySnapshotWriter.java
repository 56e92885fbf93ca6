package dev.raftkit.testkit.memory;

import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Collects a snapshot's data in a buffer; the data becomes visible only when {@link #commit()}
 * hands it to the disk. Used by one thread at a time.
 */
final class MemorySnapshotWriter implements SnapshotWriter {

    /** Stores the finished data durably and returns its metadata. */
    @FunctionalInterface
    interface Committer {
        SnapshotMeta commit(byte[] data) throws IOException;
    }

    private final Committer committer;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final OutputStream output = new OutputStream() {
        @Override
        public void write(int b) {
            checkWritable();
            buffer.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            checkWritable();
            buffer.write(b, off, len);
        }
    };
    private boolean finished;

    MemorySnapshotWriter(Committer committer) {
        this.committer = committer;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public SnapshotMeta commit() throws IOException {
        checkWritable();
        SnapshotMeta meta = committer.commit(buffer.toByteArray());
        finished = true;
        return meta;
    }

    @Override
    public void close() {
        finished = true;
    }

    private void checkWritable() {
        if (finished) {
            throw new IllegalStateException("snapshot writer was already committed or closed");
        }
    }
}
