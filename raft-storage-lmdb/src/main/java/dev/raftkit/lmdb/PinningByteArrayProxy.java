package dev.raftkit.lmdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.provider.MemoryManager;
import org.lmdbjava.BufferProxy;

/**
 * Lets lmdbjava work on {@code byte[]} keys and values without any JVM flag, safely.
 *
 * <p>lmdbjava's {@code ByteBufferProxy} needs {@code --add-opens} on Java 17, which users should not
 * need. Its {@code ByteArrayProxy} copies each array into native memory that nothing references once
 * the copy is made, so the garbage collector may free it before LMDB reads it (lmdbjava issue 252,
 * fixed only in releases whose bundled native library needs a newer glibc than Debian 12's). This
 * proxy keeps every native copy a thread made reachable until {@link #releasePins()}, which the
 * environment calls when the thread's transaction has ended. Values read are copied out into new
 * arrays at once, so they stay valid after the transaction.
 *
 * <p>Thread-safe: the pins are per thread.
 */
final class PinningByteArrayProxy extends BufferProxy<byte[]> {

    private static final MemoryManager MEMORY = Runtime.getSystemRuntime().getMemoryManager();
    private static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;
    private static final Comparator<byte[]> SIGNED = Arrays::compare;

    private final ThreadLocal<List<Pointer>> pins = ThreadLocal.withInitial(ArrayList::new);

    /** Lets the native copies made by the calling thread be freed; call when its transaction ended. */
    void releasePins() {
        pins.get().clear();
    }

    @Override
    protected byte[] allocate() {
        return new byte[0];
    }

    @Override
    protected void deallocate(byte[] buffer) {
        // Arrays are garbage collected.
    }

    @Override
    protected byte[] getBytes(byte[] buffer) {
        return Arrays.copyOf(buffer, buffer.length);
    }

    @Override
    protected Comparator<byte[]> getSignedComparator() {
        return SIGNED;
    }

    @Override
    protected Comparator<byte[]> getUnsignedComparator() {
        return UNSIGNED;
    }

    /** Copies {@code buffer} to pinned native memory and points the {@code MDB_val} at it. */
    @Override
    protected void in(byte[] buffer, Pointer mdbVal, long mdbValAddress) {
        Pointer copy = MEMORY.allocateDirect(Math.max(1, buffer.length));
        copy.put(0, buffer, 0, buffer.length);
        pins.get().add(copy);
        mdbVal.putLong(STRUCT_FIELD_OFFSET_SIZE, buffer.length);
        mdbVal.putAddress(STRUCT_FIELD_OFFSET_DATA, copy.address());
    }

    /** Reserving space ({@code MDB_RESERVE}) is not used by the store, so it is not supported. */
    @Override
    protected void in(byte[] buffer, int size, Pointer mdbVal, long mdbValAddress) {
        throw new UnsupportedOperationException("MDB_RESERVE is not supported with byte[] values");
    }

    /** Copies the bytes the {@code MDB_val} points at into a new array. */
    @Override
    protected byte[] out(byte[] buffer, Pointer mdbVal, long mdbValAddress) {
        long size = mdbVal.getLong(STRUCT_FIELD_OFFSET_SIZE);
        long address = mdbVal.getAddress(STRUCT_FIELD_OFFSET_DATA);
        byte[] bytes = new byte[Math.toIntExact(size)];
        MEMORY.newPointer(address, size).get(0, bytes, 0, bytes.length);
        return bytes;
    }
}
