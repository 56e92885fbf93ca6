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
        byte[] value = new byte[HEADER + entry.payload().length];
        ByteBuffer buffer = ByteBuffer.wrap(value);
        buffer.position(Integer.BYTES);
        buffer.putLong(entry.term()).put((byte) entry.kind().code()).put(entry.payload());
        buffer.putInt(0, checksum(entry.index(), value));
        return value;
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
        int computed = checksum(index, value);
        if (stored != computed) {
            throw new IOException("entry " + index + " in " + file + " failed its CRC32C check (stored "
                    + Integer.toHexString(stored) + ", computed " + Integer.toHexString(computed) + ")");
        }
    }

    private static int checksum(long index, byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, index));
        crc.update(value, Integer.BYTES, value.length - Integer.BYTES);
        return (int) crc.getValue();
    }
}
