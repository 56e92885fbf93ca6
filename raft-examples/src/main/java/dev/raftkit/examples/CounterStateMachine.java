package dev.raftkit.examples;

import dev.raftkit.Codec;
import dev.raftkit.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * The smallest useful replicated state machine: a counter. A command is a delta (8 bytes on the
 * log); {@code apply} adds it and returns the new total. Snapshots are the total itself.
 */
// tag::counter[]
public final class CounterStateMachine implements StateMachine<Long, Long> {

    /** Encodes a delta as 8 big-endian bytes. */
    public static final Codec<Long> CODEC = Codec.of(v -> ByteBuffer.allocate(Long.BYTES).putLong(v).array(),
            bytes -> ByteBuffer.wrap(bytes).getLong());

    private long total;

    @Override
    public Long apply(long index, Long delta) {
        total += delta;
        return total;
    }

    /** {@return the current total}; call it from a read query, which runs on the apply thread. */
    public long total() {
        return total;
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        new DataOutputStream(out).writeLong(total);
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        total = new DataInputStream(in).readLong();
    }
}
// end::counter[]
