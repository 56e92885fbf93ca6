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
 *                       magic:long version:int(3) id:long epoch:long salt:long size:long crc32c:int
 *   offset 4096         two regions of equal size: odd epochs write the first, even epochs the
 *                       second; in each, records, each starting at a multiple of 8:
 *                       crc32c:int length:int epoch:long seq:long payload[length], zero padding to 8
 * </pre>
 * Two regions let the caller move an epoch's records elsewhere (the store's checkpoint into LMDB)
 * while the next epoch is written: an epoch's records and header stay intact until the epoch after
 * next begins, which overwrites both. So the previous epoch can still be replayed ({@link #replay})
 * as long as the caller begins no epoch before it finished with the previous one. Version 2
 * journals had one region, from offset 4096, for every epoch; they are read, and their caller
 * replaces them ({@link #outdated}).
 * The id is random, chosen when the store first creates its journal and kept when it replaces the
 * file, so the store can tell its own journal from another's; the size is the file's, which never
 * changes, so a shorter file is known to be truncated. Version 1 slots ({@code magic version(1)
 * epoch salt crc32c}) had neither; they are still read, with id {@link #NO_ID} and no size check.
 * A record belongs to an epoch; the header names the current one. {@link #beginEpoch} makes the
 * records written so far obsolete at once: it writes epoch + 1, with a new random salt, into the
 * slot the current epoch does not use, syncs it, and writes again from the start of its region. A
 * torn header write therefore leaves the current slot intact. On open the valid slot with the
 * higher epoch wins. A slot's CRC32C covers its other fields. A record's CRC32C covers the epoch's salt, its
 * length, epoch, sequence number (0, 1, ... within the epoch) and payload. The salt is never
 * written into records, so no payload can hold bytes that pass for a record of the current epoch.
 *
 * <h2>Which records count, and what is damage</h2>
 * Records are written one at a time, each synced before the next is written. So, after a crash, the
 * region of an epoch holds its records contiguously from the region's start, then possibly one torn
 * record (written but not acknowledged), then bytes no record of this epoch wrote: zeros or older
 * epochs' records. {@link #replay} hands over the records of an epoch that pass their CRC and carry
 * the next sequence number, contiguously from the region's start; the first position that does
 * not hold one ends them (a torn tail, never acknowledged, is ignored). Then it checks every later
 * 8-byte-aligned position of the region: if any holds a record of that epoch that passes its CRC,
 * the record at the end position was complete once and was damaged afterwards, so acknowledged data
 * is lost: replay fails with an {@link IOException} naming the file and offset. Damage to the very
 * last record cannot be told from a torn write and is treated as one. Likewise, if the newest
 * header slot is unreadable but the first record of the next epoch's region claims that epoch, that
 * newer header was durable once (records follow its sync) and was damaged: open fails.
 *
 * <p>Used by one thread at a time (the store's writer); not thread-safe.
 */
final class Journal implements AutoCloseable {

    /** The offset of the first region: the header takes the first 4 KiB. */
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

    /** Where the records of one epoch are, and what validates them. */
    private record Region(long epoch, long salt, long start, long end) {
    }

    /** What {@link #replayRegion} found: how many records, and the offset after the last. */
    private record Replayed(long records, long end) {
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
    private static final int VERSION = 3;
    /** The last version with one region for every epoch. */
    private static final int SINGLE_REGION_VERSION = 2;
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
    /** The bytes of each region; the whole record space for a single-region journal. */
    private final long regionBytes;
    private long epoch;
    private long salt;
    /** The previous epoch's header while its slot still holds it, else null. */
    private Header previous;
    private long nextSeq;
    private long writeOffset;
    /** The file's bytes until {@link #replay} read them, then null. */
    private ByteBuffer unreplayed;
    /** Reused for every record written; see {@link #recordBuffer}. */
    private ByteBuffer writeBuffer = ByteBuffer.allocateDirect(64 << 10);

    private Journal(Path file, FileChannel channel, long size, Header header, Header previous) {
        this.file = file;
        this.channel = channel;
        this.size = size;
        this.version = header.version();
        this.id = header.id();
        this.regionBytes = regionBytes(version, size);
        this.epoch = header.epoch();
        this.salt = header.salt();
        this.previous = previous;
        this.writeOffset = regionStart(epoch);
    }

    /** Returns the bytes of each region of a journal of {@code version} and {@code size} bytes. */
    private static long regionBytes(int version, long size) {
        long records = size - RECORDS_START;
        return version < VERSION ? records : records / 2 & -ALIGNMENT;
    }

    /** Returns the offset where the region of {@code epochOf} starts. */
    private long regionStart(long epochOf) {
        return RECORDS_START + (version < VERSION ? 0 : (~epochOf & 1) * regionBytes);
    }

    /** Returns the region of the epoch of {@code header}. */
    private Region region(Header header) {
        long start = regionStart(header.epoch());
        return new Region(header.epoch(), header.salt(), start, start + regionBytes);
    }

    /**
     * Returns how many epochs a journal with {@code header} may be ahead of the last epoch moved out
     * of it: 2 with two regions (the previous epoch's records may still be moving), else 1.
     */
    static int epochsAhead(Header header) {
        return header.version() < VERSION ? 1 : 2;
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
     * @param size at least 1 MiB, at most 1 GiB, a multiple of 8
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
                size, header, null);
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
            Header[] slots = readSlots(bytes, file);
            Header header = newest(slots, file, size);
            if (header.size() >= 0 && header.size() != size) {
                throw new IOException("journal " + file + " has " + size + " bytes, but its header says "
                        + header.size() + ": it was truncated or overwritten, so acknowledged writes may be lost");
            }
            if (size < RECORDS_START + RECORD_HEADER) {
                throw new IOException("journal " + file + " has " + size + " bytes: it is damaged or not a journal");
            }
            Header previous = null;
            for (Header slot : slots) {
                if (slot != null && slot.epoch() == header.epoch() - 1 && slot.version() == header.version()) {
                    previous = slot;
                }
            }
            Journal journal = new Journal(file, channel, size, header, previous);
            journal.checkNextHeader(bytes);
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

    /** Returns whether its header is of version 1, written before journals had an id. */
    boolean legacy() {
        return version == LEGACY_VERSION;
    }

    /**
     * Returns whether it is of an older version (one region), which the caller replaces after
     * replaying it: such a journal is never written.
     */
    boolean outdated() {
        return version < VERSION;
    }

    /** Returns the file's size in bytes. */
    long sizeBytes() {
        return size;
    }

    /** Returns the bytes the records of one epoch may take: its region's. */
    long recordCapacity() {
        return regionBytes;
    }

    /** Returns the bytes the records of the current epoch take. */
    long usedBytes() {
        return writeOffset - regionStart(epoch);
    }

    /** Returns whether a record of {@code payloadLength} bytes fits in the current epoch's region. */
    boolean fits(int payloadLength) {
        return writeOffset + recordBytes(payloadLength) <= regionStart(epoch) + regionBytes;
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
        if (!fits(payload.length)) {
            throw new IllegalArgumentException("a record of " + bytes + " bytes does not fit in journal " + file
                    + ": " + (regionStart(epoch) + regionBytes - writeOffset) + " bytes are left in epoch " + epoch);
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
     * Starts a new epoch, in the other region: the current epoch's records stay there, intact, and
     * can be replayed until the epoch after the new one begins; the previous epoch's are obsolete
     * from now on. Durable when it returns.
     *
     * @throws IOException if the header cannot be written or synced; the journal must not be
     *     written again
     */
    void beginEpoch() throws IOException {
        checkReplayed();
        if (outdated()) {
            throw new IllegalStateException("journal " + file + " is of version " + version
                    + ": replace it, do not write it");
        }
        long next = epoch + 1;
        long nextSalt = SALTS.nextLong();
        try {
            writeFully(channel, slot(new Header(VERSION, id, next, nextSalt, size)), slotOffset(next));
            channel.force(false);
        } catch (IOException e) {
            throw DiskSpace.explain(e, "write the header of journal", file);
        }
        previous = header();
        epoch = next;
        salt = nextSalt;
        nextSeq = 0;
        writeOffset = regionStart(next);
    }

    /** Closes the file. Idempotent. */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    // ---- Reading ---------------------------------------------------------------------------------

    /** Returns the two header slots, each null if it is not a valid slot. */
    private static Header[] readSlots(ByteBuffer bytes, Path file) throws IOException {
        return new Header[] {readSlot(bytes, 0, file), readSlot(bytes, SLOT_SPACING, file)};
    }

    /** Returns the valid slot of the higher epoch; see the class comment. */
    private static Header newest(Header[] slots, Path file, long size) throws IOException {
        Header best = null;
        for (Header read : slots) {
            if (read != null && (best == null || read.epoch() > best.epoch())) {
                best = read;
            }
        }
        if (best == null) {
            throw new IOException("journal " + file + " has no valid header (" + size + " bytes; magic or CRC32C"
                    + " wrong in both copies): it is damaged, truncated or not a raftkit journal");
        }
        return best;
    }

    /** Fails if the region the next epoch would write starts with a record of that epoch: its header was lost. */
    private void checkNextHeader(ByteBuffer bytes) throws IOException {
        long next = regionStart(epoch + 1);
        if (next + RECORD_HEADER <= size && bytes.getLong((int) next + EPOCH_FIELD) == epoch + 1) {
            throw new IOException("journal " + file + ": the header of epoch " + (epoch + 1) + " is damaged,"
                    + " though records of that epoch were written after it was synced; acknowledged writes are lost");
        }
    }

    /** Returns the slot at {@code offset}, or null if it is not a valid slot (or not in the file). */
    private static Header readSlot(ByteBuffer bytes, int offset, Path file) throws IOException {
        if (offset + SLOT_BYTES > bytes.limit() || bytes.getLong(offset) != MAGIC) {
            return null;
        }
        int version = bytes.getInt(offset + Long.BYTES);
        int fields = offset + Long.BYTES + Integer.BYTES;
        if ((version == VERSION || version == SINGLE_REGION_VERSION) && slotCrcHolds(bytes, offset, SLOT_BYTES)) {
            return new Header(version, bytes.getLong(fields), bytes.getLong(fields + Long.BYTES),
                    bytes.getLong(fields + 2 * Long.BYTES), bytes.getLong(fields + 3 * Long.BYTES));
        }
        if (version == LEGACY_VERSION && slotCrcHolds(bytes, offset, LEGACY_SLOT_BYTES)) {
            return new Header(version, NO_ID, bytes.getLong(fields), bytes.getLong(fields + Long.BYTES), -1);
        }
        if (version > VERSION
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
     * Hands the records of the current epoch to {@code replay}, after those of the previous epoch if
     * {@code previousToo}; writing continues after them, in the current epoch. Called once, after
     * {@link #open}, before anything is written. The caller asks for the previous epoch while it has
     * not finished with its records (see the class comment).
     *
     * @throws IOException if acknowledged records are damaged (see the class comment), the previous
     *     epoch is asked for but its header is not in its slot, or {@code replay} fails
     */
    void replay(boolean previousToo, Replay replay) throws IOException {
        if (unreplayed == null) {
            throw new IllegalStateException("journal " + file + " was already replayed");
        }
        ByteBuffer bytes = unreplayed;
        unreplayed = null;
        if (previousToo) {
            if (previous == null) {
                throw new IOException("journal " + file + ": the header of epoch " + (epoch - 1) + " is damaged or"
                        + " overwritten, though its records were still to be moved; acknowledged writes are lost");
            }
            replayRegion(bytes, region(previous), replay);
        }
        Replayed current = replayRegion(bytes, region(header()), replay);
        nextSeq = current.records();
        writeOffset = current.end();
    }

    /** Replays the records of {@code region}. */
    private Replayed replayRegion(ByteBuffer bytes, Region region, Replay replay) throws IOException {
        long seq = 0;
        long offset = region.start();
        int length;
        while ((length = validRecordAt(bytes, region, offset, seq)) >= 0) {
            replay.record(offset, bytes.slice((int) offset + RECORD_HEADER, length));
            offset += recordBytes(length);
            seq++;
        }
        for (long later = offset; later + RECORD_HEADER <= region.end(); later += ALIGNMENT) {
            if (bytes.getLong((int) later + EPOCH_FIELD) == region.epoch() && validRecordAt(bytes, region, later, -1) >= 0) {
                throw new IOException("journal " + file + " is damaged at offset " + offset + ": no valid record "
                        + seq + " of epoch " + region.epoch() + " is there, yet a valid record of that epoch follows"
                        + " at offset " + later + ", so acknowledged writes were damaged");
            }
        }
        return new Replayed(seq, offset);
    }

    /**
     * Returns the payload length of the record at {@code offset} if it is a record of
     * {@code region}'s epoch, within it, that passes its CRC and has sequence number {@code seq}
     * (any, if negative), else -1.
     */
    private static int validRecordAt(ByteBuffer bytes, Region region, long offset, long seq) {
        if (offset + RECORD_HEADER > region.end()) {
            return -1;
        }
        int at = (int) offset;
        int length = bytes.getInt(at + LENGTH_FIELD);
        boolean plausible = length >= 0 && length <= region.end() - offset - RECORD_HEADER
                && bytes.getLong(at + EPOCH_FIELD) == region.epoch()
                && (seq < 0 || bytes.getLong(at + SEQ_FIELD) == seq);
        return plausible && bytes.getInt(at) == checksum(region.salt(), bytes, at, length) ? length : -1;
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
