package dev.raftkit.lmdb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.zip.CRC32C;

/**
 * The write-ahead journal file in front of LMDB: its format and its I/O. A write appends one record
 * to a preallocated file and makes it durable with one {@code fdatasync}, which, since the file's
 * size never changes, flushes no metadata. What the records mean is the caller's business.
 *
 * <h2>Format</h2>
 * <pre>
 *   offset 0 and 2048   two header slots:
 *                       magic:long version:int(2) id:long epoch:long salt:long size:long crc32c:int
 *   offset 4096         records, each starting at a multiple of 8:
 *                       crc32c:int length:int epoch:long seq:long payload[length], zero padding to 8
 * </pre>
 * The id is random, chosen when the store first creates its journal and kept when it replaces the
 * file, so the store can tell its own journal from another's; the size is the file's, which never
 * changes, so a shorter file is known to be truncated. Version 1 slots ({@code magic version(1)
 * epoch salt crc32c}) had neither; they are still read, with id {@link #NO_ID} and no size check.
 * A record belongs to an epoch; the header names the current one. {@link #beginEpoch} makes the
 * records written so far obsolete at once: it writes epoch + 1, with a new random salt, into the
 * slot the current epoch does not use, syncs it, and writes again from offset 4096. A torn header
 * write therefore leaves the previous slot intact. On open the valid slot with the higher epoch
 * wins. A slot's CRC32C covers its other fields. A record's CRC32C covers the epoch's salt, its
 * length, epoch, sequence number (0, 1, ... within the epoch) and payload. The salt is never
 * written into records, so no payload can hold bytes that pass for a record of the current epoch.
 *
 * <h2>Which records count, and what is damage</h2>
 * Records are written one at a time, each synced before the next is written. So, after a crash, the
 * file holds the records of the current epoch contiguously from offset 4096, then possibly one torn
 * record (written but not acknowledged), then bytes no record of this epoch wrote: zeros or older
 * epochs' records. {@link #open} hands over the records of the current epoch that pass their CRC
 * and carry the next sequence number, contiguously from offset 4096; the first position that does
 * not hold one ends them (a torn tail, never acknowledged, is ignored). Then it checks every later
 * 8-byte-aligned position: if any holds a record of the current epoch that passes its CRC, the
 * record at the end position was complete once and was damaged afterwards, so acknowledged data is
 * lost: open fails with an {@link IOException} naming the file and offset. Damage to the very last
 * record cannot be told from a torn write and is treated as one. Likewise, if the newest header slot
 * is unreadable but the first record claims the epoch after the readable one, that newer header
 * was durable once (records follow its sync) and was damaged: open fails.
 *
 * <p>Used by one thread at a time (the store's writer); not thread-safe.
 */
final class Journal implements AutoCloseable {

    /** The offset of the first record: the header takes the first 4 KiB. */
    static final int RECORDS_START = 4096;
    /** The id of a version 1 journal, whose header had none. */
    static final long NO_ID = 0;

    /**
     * What the valid header slot says.
     *
     * @param version the header's format version
     * @param id the journal's id, {@link #NO_ID} for version 1
     * @param epoch the current epoch
     * @param salt the current epoch's salt
     * @param size the file's size when written, -1 for version 1
     */
    record Header(int version, long id, long epoch, long salt, long size) {
    }

    /** Reads the payloads of replayed records, in order. */
    @FunctionalInterface
    interface Replay {
        /**
         * Takes one record's payload.
         *
         * @param offset the record's offset in the file, for error messages
         * @param payload the payload, positioned at its start; valid only during the call
         * @throws IOException if the payload is not what the caller wrote
         */
        void record(long offset, ByteBuffer payload) throws IOException;
    }

    private static final long MAGIC = 0x524B_4A4F_5552_4E4CL; // "RKJOURNL"
    private static final int VERSION = 2;
    private static final int LEGACY_VERSION = 1;
    private static final int SLOT_SPACING = 2048;
    private static final int SLOT_BYTES = Long.BYTES + Integer.BYTES + 4 * Long.BYTES + Integer.BYTES;
    private static final int LEGACY_SLOT_BYTES = Long.BYTES + Integer.BYTES + 2 * Long.BYTES + Integer.BYTES;
    private static final int RECORD_HEADER = 2 * Integer.BYTES + 2 * Long.BYTES;
    private static final int LENGTH_FIELD = Integer.BYTES;
    private static final int EPOCH_FIELD = LENGTH_FIELD + Integer.BYTES;
    private static final int SEQ_FIELD = EPOCH_FIELD + Long.BYTES;
    private static final int ALIGNMENT = 8;
    private static final int ZERO_CHUNK = 1 << 20;
    private static final SecureRandom SALTS = new SecureRandom();

    private final Path file;
    private final FileChannel channel;
    private final long size;
    private final int version;
    private final long id;
    private long epoch;
    private long salt;
    private long nextSeq;
    private long writeOffset;
    /** The file's bytes until {@link #replay} read them, then null. */
    private ByteBuffer unreplayed;
    /** Reused for every record written; see {@link #recordBuffer}. */
    private ByteBuffer writeBuffer = ByteBuffer.allocateDirect(64 << 10);

    private Journal(Path file, FileChannel channel, long size, Header header) {
        this.file = file;
        this.channel = channel;
        this.size = size;
        this.version = header.version();
        this.id = header.id();
        this.epoch = header.epoch();
        this.salt = header.salt();
        this.writeOffset = RECORDS_START;
    }

    /** Returns a new random journal id, never {@link #NO_ID}. */
    static long newId() {
        long id;
        do {
            id = SALTS.nextLong();
        } while (id == NO_ID);
        return id;
    }

    /**
     * Creates {@code file} as an empty journal of {@code size} bytes, replacing any file there:
     * zeros written in full (not a sparse file, whose first writes would allocate blocks and so
     * flush metadata), synced, renamed into place from a temp file, and the directory synced. A
     * crash meanwhile leaves either the previous file or the complete new one.
     *
     * @param size at least 1 MiB, at most 1 GiB
     * @param id the journal's id ({@link #newId}, or the id of the journal it replaces)
     * @param epoch the epoch to start in, at least 1
     * @return the open journal, ready to append
     * @throws IOException if the file cannot be written ("disk full" if there is no space)
     */
    static Journal create(Path file, long size, long id, long epoch) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Header header = new Header(VERSION, id, epoch, SALTS.nextLong(), size);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_CHUNK);
            for (long position = 0; position < size; position += zeros.limit()) {
                zeros.clear().limit((int) Math.min(ZERO_CHUNK, size - position));
                writeFully(channel, zeros, position);
            }
            writeFully(channel, slot(header), slotOffset(epoch));
            channel.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw DiskSpace.explain(e, "create journal", file);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        DirectorySync.sync(file.getParent());
        return new Journal(file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE),
                size, header);
    }

    /**
     * Opens the journal {@code file} and reads its header; {@link #replay} then reads its records.
     *
     * @return the open journal
     * @throws IOException if the file cannot be read, its header is damaged or of an unknown
     *     version, or it is shorter or longer than its header says
     */
    static Journal open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException("journal " + file + " has " + size + " bytes: it is damaged or not a journal");
            }
            MappedByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            Header header = readHeader(bytes, file);
            if (header.size() >= 0 && header.size() != size) {
                throw new IOException("journal " + file + " has " + size + " bytes, but its header says "
                        + header.size() + ": it was truncated or overwritten, so acknowledged writes may be lost");
            }
            if (size < RECORDS_START + RECORD_HEADER) {
                throw new IOException("journal " + file + " has " + size + " bytes: it is damaged or not a journal");
            }
            Journal journal = new Journal(file, channel, size, header);
            journal.unreplayed = bytes;
            return journal;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Deletes the journal {@code file} and a leftover temp file beside it, durably.
     *
     * @throws IOException if they cannot be deleted
     */
    static void delete(Path file) throws IOException {
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".tmp"));
        Files.deleteIfExists(file);
        DirectorySync.sync(file.getParent());
    }

    /** Returns the bytes a record of {@code payloadLength} bytes takes, header and padding included. */
    static long recordBytes(int payloadLength) {
        return align(RECORD_HEADER + (long) payloadLength);
    }

    /** Returns the file this journal is kept in. */
    Path file() {
        return file;
    }

    /** Returns its id, {@link #NO_ID} if it is of version 1. */
    long id() {
        return id;
    }

    /** Returns what its header says now. */
    Header header() {
        return new Header(version, id, epoch, salt, size);
    }

    /** Returns the current epoch. */
    long epoch() {
        return epoch;
    }

    /** Returns whether its header is of version 1, which the store replaces after replaying it. */
    boolean legacy() {
        return version == LEGACY_VERSION;
    }

    /** Returns the file's size in bytes. */
    long sizeBytes() {
        return size;
    }

    /** Returns the bytes the records may take in all: the file less its header. */
    long recordCapacity() {
        return size - RECORDS_START;
    }

    /** Returns the bytes the records of the current epoch take. */
    long usedBytes() {
        return writeOffset - RECORDS_START;
    }

    /**
     * Appends a record holding {@code payload} and syncs it: when this returns, the record survives
     * power loss.
     *
     * @throws IllegalArgumentException if the record does not fit in the space left
     * @throws IllegalStateException if the journal was opened and not yet replayed
     * @throws IOException if it cannot be written or synced; it may then be partly written
     */
    void append(byte[] payload) throws IOException {
        checkReplayed();
        long bytes = recordBytes(payload.length);
        if (writeOffset + bytes > size) {
            throw new IllegalArgumentException("a record of " + bytes + " bytes does not fit in journal " + file
                    + ": " + (size - writeOffset) + " bytes are left");
        }
        ByteBuffer record = recordBuffer((int) bytes);
        record.putInt(LENGTH_FIELD, payload.length).putLong(EPOCH_FIELD, epoch).putLong(SEQ_FIELD, nextSeq)
                .put(RECORD_HEADER, payload);
        record.putInt(0, checksum(salt, record, 0, payload.length));
        try {
            writeFully(channel, record, writeOffset);
            channel.force(false);
        } catch (IOException e) {
            throw DiskSpace.explain(e, "append to journal", file);
        }
        writeOffset += bytes;
        nextSeq++;
    }

    /**
     * Returns the reused direct buffer, cleared and limited to {@code bytes} (zeroed, so padding is
     * zeros): a heap buffer would be copied into a temporary direct one by every write.
     */
    private ByteBuffer recordBuffer(int bytes) {
        if (writeBuffer.capacity() < bytes) {
            writeBuffer = ByteBuffer.allocateDirect(Math.max(bytes, 2 * writeBuffer.capacity()));
        }
        ByteBuffer record = writeBuffer.clear().limit(bytes);
        for (int i = bytes - ALIGNMENT; i < bytes; i++) {
            record.put(i, (byte) 0); // the padding after the payload (at most the last 8 bytes)
        }
        return record;
    }

    /**
     * Starts a new epoch: every record written so far is obsolete from now on, and writing starts
     * again at the beginning. Durable when it returns.
     *
     * @throws IOException if the header cannot be written or synced; the journal must not be
     *     written again
     */
    void beginEpoch() throws IOException {
        checkReplayed();
        if (legacy()) {
            throw new IllegalStateException("journal " + file + " is of version 1: replace it, do not write it");
        }
        long next = epoch + 1;
        long nextSalt = SALTS.nextLong();
        try {
            writeFully(channel, slot(new Header(VERSION, id, next, nextSalt, size)), slotOffset(next));
            channel.force(false);
        } catch (IOException e) {
            throw DiskSpace.explain(e, "write the header of journal", file);
        }
        epoch = next;
        salt = nextSalt;
        nextSeq = 0;
        writeOffset = RECORDS_START;
    }

    /** Closes the file. Idempotent. */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    // ---- Reading ---------------------------------------------------------------------------------

    /** Returns the header slot to use; see the class comment. */
    private static Header readHeader(ByteBuffer bytes, Path file) throws IOException {
        Header best = null;
        for (int slot = 0; slot < 2; slot++) {
            Header read = readSlot(bytes, slot * SLOT_SPACING, file);
            if (read != null && (best == null || read.epoch() > best.epoch())) {
                best = read;
            }
        }
        if (best == null) {
            throw new IOException("journal " + file + " has no valid header (" + bytes.limit() + " bytes; magic or"
                    + " CRC32C wrong in both copies): it is damaged, truncated or not a raftkit journal");
        }
        if (bytes.limit() >= RECORDS_START + RECORD_HEADER
                && bytes.getLong(RECORDS_START + EPOCH_FIELD) == best.epoch() + 1) {
            throw new IOException("journal " + file + ": the header of epoch " + (best.epoch() + 1) + " is damaged,"
                    + " though records of that epoch were written after it was synced; acknowledged writes are lost");
        }
        return best;
    }

    /** Returns the slot at {@code offset}, or null if it is not a valid slot (or not in the file). */
    private static Header readSlot(ByteBuffer bytes, int offset, Path file) throws IOException {
        if (offset + SLOT_BYTES > bytes.limit() || bytes.getLong(offset) != MAGIC) {
            return null;
        }
        int version = bytes.getInt(offset + Long.BYTES);
        int fields = offset + Long.BYTES + Integer.BYTES;
        if (version == VERSION && slotCrcHolds(bytes, offset, SLOT_BYTES)) {
            return new Header(version, bytes.getLong(fields), bytes.getLong(fields + Long.BYTES),
                    bytes.getLong(fields + 2 * Long.BYTES), bytes.getLong(fields + 3 * Long.BYTES));
        }
        if (version == LEGACY_VERSION && slotCrcHolds(bytes, offset, LEGACY_SLOT_BYTES)) {
            return new Header(version, NO_ID, bytes.getLong(fields), bytes.getLong(fields + Long.BYTES), -1);
        }
        if (version != VERSION && version != LEGACY_VERSION
                && (slotCrcHolds(bytes, offset, SLOT_BYTES) || slotCrcHolds(bytes, offset, LEGACY_SLOT_BYTES))) {
            throw new IOException("journal " + file + " has format version " + version + "; this version of raftkit"
                    + " reads versions up to " + VERSION + ": upgrade raftkit to open it");
        }
        return null;
    }

    /** Returns whether the CRC32C at the end of the {@code length}-byte slot at {@code offset} holds. */
    private static boolean slotCrcHolds(ByteBuffer bytes, int offset, int length) {
        int crcAt = offset + length - Integer.BYTES;
        CRC32C crc = new CRC32C();
        crc.update(bytes.slice(offset, crcAt - offset));
        return bytes.getInt(crcAt) == (int) crc.getValue();
    }

    /**
     * Hands the records of the current epoch to {@code replay}; writing continues after them, in
     * the same epoch. Called once, after {@link #open}, before anything is written.
     *
     * @throws IOException if acknowledged records are damaged (see the class comment) or
     *     {@code replay} fails
     */
    void replay(Replay replay) throws IOException {
        if (unreplayed == null) {
            throw new IllegalStateException("journal " + file + " was already replayed");
        }
        ByteBuffer bytes = unreplayed;
        unreplayed = null;
        long offset = RECORDS_START;
        int length;
        while ((length = validRecordAt(bytes, offset, nextSeq)) >= 0) {
            replay.record(offset, bytes.slice((int) offset + RECORD_HEADER, length));
            offset += recordBytes(length);
            nextSeq++;
        }
        writeOffset = offset;
        for (long later = offset; later + RECORD_HEADER <= size; later += ALIGNMENT) {
            if (bytes.getLong((int) later + EPOCH_FIELD) == epoch && validRecordAt(bytes, later, -1) >= 0) {
                throw new IOException("journal " + file + " is damaged at offset " + offset + ": no valid record "
                        + nextSeq + " of epoch " + epoch + " is there, yet a valid record of that epoch follows at"
                        + " offset " + later + ", so acknowledged writes were damaged");
            }
        }
    }

    /**
     * Returns the payload length of the record at {@code offset} if it is a record of the current
     * epoch that passes its CRC and has sequence number {@code seq} (any, if negative), else -1.
     */
    private int validRecordAt(ByteBuffer bytes, long offset, long seq) {
        if (offset + RECORD_HEADER > size) {
            return -1;
        }
        int at = (int) offset;
        int length = bytes.getInt(at + LENGTH_FIELD);
        boolean plausible = length >= 0 && length <= size - offset - RECORD_HEADER
                && bytes.getLong(at + EPOCH_FIELD) == epoch
                && (seq < 0 || bytes.getLong(at + SEQ_FIELD) == seq);
        return plausible && bytes.getInt(at) == checksum(salt, bytes, at, length) ? length : -1;
    }

    // ---- Writing helpers -------------------------------------------------------------------------

    /** The CRC32C of a record at {@code offset} of {@code bytes} with a payload of {@code length}. */
    private static int checksum(long salt, ByteBuffer bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, salt));
        crc.update(bytes.slice(offset + LENGTH_FIELD, RECORD_HEADER - LENGTH_FIELD + length));
        return (int) crc.getValue();
    }

    private void checkReplayed() {
        if (unreplayed != null) {
            throw new IllegalStateException("journal " + file + " must be replayed before it is written");
        }
    }

    private static ByteBuffer slot(Header header) {
        ByteBuffer slot = ByteBuffer.allocate(SLOT_BYTES);
        slot.putLong(MAGIC).putInt(header.version()).putLong(header.id()).putLong(header.epoch())
                .putLong(header.salt()).putLong(header.size());
        CRC32C crc = new CRC32C();
        crc.update(slot.array(), 0, slot.position());
        slot.putInt((int) crc.getValue());
        return slot.flip();
    }

    private static long slotOffset(long epoch) {
        return (epoch & 1) * SLOT_SPACING;
    }

    private static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) & -ALIGNMENT;
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }
}
