package dev.raftkit.lmdb;

import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * How log entries are laid out in the entries database. The key is the index as 8 bytes big-endian,
 * so LMDB's byte order is index order. The value is
 * {@code crc32c:int term:long kind:byte payload:bytes}, the CRC32C covering the index, term, kind and
 * payload, so a flipped bit anywhere, or an entry stored under the wrong key, is detected on read.
 *
 * <p>Stateless and thread-safe.
 */
final class EntryCodec {

    private static final int HEADER = Integer.BYTES + Long.BYTES + 1;

    private EntryCodec() {
    }

    /** Returns the key of the entry at {@code index}. */
    static byte[] key(long index) {
        return ByteBuffer.allocate(Long.BYTES).putLong(index).array();
    }

    /** Returns the index a key holds. */
    static long index(byte[] key) {
        return ByteBuffer.wrap(key).getLong();
    }

    /** Returns the stored value of {@code entry}, checksum included. */
    static byte[] encode(LogEntry entry) {
        byte[] value = new byte[encodedSize(entry)];
        encode(entry, ByteBuffer.wrap(value));
        return value;
    }

    /** Returns the length of {@code entry}'s stored value. */
    static int encodedSize(LogEntry entry) {
        return HEADER + entry.payload().length;
    }

    /**
     * Writes {@code entry}'s stored value, checksum included, at {@code target}'s position and
     * advances it by {@link #encodedSize}.
     *
     * @param target a buffer backed by an array, with that much room left
     */
    static void encode(LogEntry entry, ByteBuffer target) {
        int start = target.position();
        target.position(start + Integer.BYTES);
        target.putLong(entry.term()).put((byte) entry.kind().code()).put(entry.payload());
        target.putInt(start, checksum(entry.index(), target.array(), target.arrayOffset() + start,
                encodedSize(entry)));
    }

    /**
     * Decodes and verifies the value stored for {@code index}.
     *
     * @param index the index the value was stored under
     * @param value the stored value
     * @param file the data file, for the error message
     * @return the entry
     * @throws IOException if the value is damaged
     */
    static LogEntry decode(long index, byte[] value, Path file) throws IOException {
        verify(index, value, file);
        ByteBuffer buffer = ByteBuffer.wrap(value, Integer.BYTES, value.length - Integer.BYTES);
        long term = buffer.getLong();
        int kind = buffer.get();
        byte[] payload = new byte[buffer.remaining()];
        buffer.get(payload);
        try {
            return new LogEntry(index, term, EntryKind.ofCode(kind), payload);
        } catch (IllegalArgumentException e) {
            throw new IOException("entry " + index + " in " + file + " is damaged: " + e.getMessage(), e);
        }
    }

    /**
     * Decodes only the term of the value stored for {@code index}, after verifying the whole value.
     *
     * @throws IOException if the value is damaged
     */
    static long term(long index, byte[] value, Path file) throws IOException {
        verify(index, value, file);
        return ByteBuffer.wrap(value).getLong(Integer.BYTES);
    }

    private static void verify(long index, byte[] value, Path file) throws IOException {
        if (value.length < HEADER) {
            throw new IOException("entry " + index + " in " + file + " is damaged: its value has " + value.length
                    + " bytes, fewer than the " + HEADER + "-byte header");
        }
        int stored = ByteBuffer.wrap(value).getInt(0);
        int computed = checksum(index, value, 0, value.length);
        if (stored != computed) {
            throw new IOException("entry " + index + " in " + file + " failed its CRC32C check (stored "
                    + Integer.toHexString(stored) + ", computed " + Integer.toHexString(computed) + ")");
        }
    }

    /** The CRC32C of the index and of the {@code length}-byte value at {@code offset}, after its checksum field. */
    private static int checksum(long index, byte[] array, int offset, int length) {
        CRC32C crc = new CRC32C();
        for (int shift = Long.SIZE - Byte.SIZE; shift >= 0; shift -= Byte.SIZE) {
            crc.update((int) (index >>> shift)); // the index's big-endian bytes, with no buffer to allocate
        }
        crc.update(array, offset + Integer.BYTES, length - Integer.BYTES);
        return (int) crc.getValue();
    }
}
