package dev.raftkit.it.thirdparty;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * A third party's {@link LogStore}, written only against raft-api and the JDK: the proof that
 * users can plug in their own storage. It keeps everything in memory and makes each change durable
 * in an append-only journal before the call returns.
 *
 * <p><b>Files.</b> {@code journal.bin} holds checksummed records: a base (the position the log
 * continues from), persists (hard state and entries; a persist replaces the log's suffix from its
 * first entry) and committed snapshots. Compaction and reset rewrite the journal from the current
 * state (temp file, fsync, atomic rename, directory fsync), which also keeps it short. Snapshots
 * are {@code snapshot-<n>.bin} files, written to a temp name and renamed on commit; only the latest
 * is kept. On open, a torn last record (a crash in the middle of an append that never returned) is
 * cut off; a bad checksum anywhere else is corruption and fails with an {@link IOException} naming
 * the file and offset.
 *
 * <p><b>Threading.</b> Appends are serialized by a write lock (the log thread and a snapshot
 * writer may append concurrently); the in-memory state is swapped under the store's monitor only
 * after the journal was forced to disk, so readers never wait for an fsync and always see a state
 * from before or after a change.
 */
public final class FileLogStore implements LogStore {

    private static final String JOURNAL = "journal.bin";
    private static final String SNAPSHOT_PREFIX = "snapshot-";
    private static final byte BASE = 1;
    private static final byte PERSIST = 2;
    private static final byte SNAPSHOT = 3;
    private static final int HEADER_BYTES = 8;

    private final Path dir;
    private final Object writeLock = new Object();
    private FileChannel journal;

    // The in-memory state, guarded by this.
    private HardState hardState = HardState.INITIAL;
    private List<LogEntry> entries = new ArrayList<>();
    private long firstIndex = 1;
    private long baseTerm;
    private SnapshotMeta latestSnapshot;
    private String latestSnapshotFile;
    private long snapshotSequence;
    private boolean closed;

    private FileLogStore(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens the store in {@code dir}, creating it if needed and recovering everything durable.
     *
     * @throws IOException if it cannot be read, or the journal is corrupt
     */
    public static FileLogStore open(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileLogStore store = new FileLogStore(dir);
        store.recover();
        return store;
    }

    // ---- reads ----

    @Override
    public synchronized HardState hardState() {
        return hardState;
    }

    @Override
    public synchronized long firstIndex() {
        return firstIndex;
    }

    @Override
    public synchronized long lastIndex() {
        return firstIndex + entries.size() - 1;
    }

    @Override
    public synchronized long term(long index) {
        if (index < firstIndex - 1 || index > lastIndex()) {
            throw new IllegalArgumentException("term(" + index + ") is outside [" + (firstIndex - 1) + ", "
                    + lastIndex() + "]");
        }
        return index == firstIndex - 1 ? baseTerm : entries.get((int) (index - firstIndex)).term();
    }

    @Override
    public synchronized List<LogEntry> entries(long from, long to, long maxBytes) {
        if (from < firstIndex || to > lastIndex() + 1 || from > to || maxBytes < 1) {
            throw new IllegalArgumentException("entries(" + from + ", " + to + ", " + maxBytes + ") is outside the log ["
                    + firstIndex + ", " + lastIndex() + "] or has no byte budget");
        }
        List<LogEntry> result = new ArrayList<>();
        long bytes = 0;
        for (long i = from; i < to; i++) {
            LogEntry entry = entries.get((int) (i - firstIndex));
            bytes += entry.sizeBytes();
            if (!result.isEmpty() && bytes > maxBytes) {
                break;
            }
            result.add(entry);
        }
        return result;
    }

    @Override
    public synchronized Optional<SnapshotMeta> latestSnapshot() {
        return Optional.ofNullable(latestSnapshot);
    }

    @Override
    public InputStream openSnapshot(SnapshotMeta meta) throws IOException {
        String file;
        synchronized (this) {
            if (!meta.equals(latestSnapshot)) {
                throw new IOException("snapshot at index " + meta.index() + " is no longer stored in " + dir);
            }
            file = latestSnapshotFile;
        }
        // Read and checked whole before a byte is handed out; one CRC32C covers the file, so damage
        // is located only as somewhere in it.
        Path path = dir.resolve(file);
        byte[] data = Files.readAllBytes(path);
        CRC32C crc = new CRC32C();
        crc.update(data);
        if (data.length != meta.sizeBytes() || crc.getValue() != meta.crc32c()) {
            throw new IOException("snapshot file " + path + " is damaged somewhere in offsets [0, " + data.length
                    + "): " + data.length + " bytes with CRC32C " + Long.toHexString(crc.getValue()) + ", expected "
                    + meta.sizeBytes() + " bytes with CRC32C " + Long.toHexString(meta.crc32c()));
        }
        return new ByteArrayInputStream(data);
    }

    // ---- changes ----

    @Override
    public void persist(HardState newHardState, List<LogEntry> newEntries) throws IOException {
        synchronized (writeLock) {
            checkAppend(newEntries);
            append(persistRecord(newHardState, newEntries));
            synchronized (this) {
                if (newHardState != null) {
                    hardState = newHardState;
                }
                applyEntries(newEntries);
            }
        }
    }

    @Override
    public void compact(long throughIndex) throws IOException {
        synchronized (writeLock) {
            synchronized (this) {
                if (throughIndex > lastIndex()) {
                    throw new IllegalArgumentException("cannot compact through " + throughIndex + " beyond the last index "
                            + lastIndex());
                }
                if (throughIndex < firstIndex) {
                    return;
                }
            }
            long term = term(throughIndex);
            List<LogEntry> kept;
            synchronized (this) {
                kept = new ArrayList<>(entries.subList((int) (throughIndex + 1 - firstIndex), entries.size()));
            }
            rewrite(throughIndex, term, kept);
        }
    }

    @Override
    public void reset(long index, long term) throws IOException {
        if (index < 0 || (index == 0) != (term == 0) || term < 0) {
            throw new IllegalArgumentException("reset(" + index + ", " + term + "): the term must be 0 exactly when "
                    + "the index is 0, and at least 1 otherwise");
        }
        synchronized (writeLock) {
            rewrite(index, term, List.of());
        }
    }

    @Override
    public SnapshotWriter beginSnapshot(long index, long term, Membership membership) throws IOException {
        long sequence;
        synchronized (this) {
            requireOpen();
            sequence = ++snapshotSequence;
        }
        return new FileSnapshotWriter(index, term, membership, SNAPSHOT_PREFIX + sequence + ".bin");
    }

    @Override
    public void close() throws IOException {
        synchronized (writeLock) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            journal.close();
        }
    }

    // ---- journal ----

    private void recover() throws IOException {
        Path file = dir.resolve(JOURNAL);
        journal = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = journal.size();
        long offset = 0;
        while (offset < size) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            boolean torn = size - offset < HEADER_BYTES;
            int length = 0;
            if (!torn) {
                journal.read(header, offset);
                length = header.getInt(0);
                torn = length < 1 || size - offset - HEADER_BYTES < length;
            }
            if (torn) {
                journal.truncate(offset); // an append cut short by a crash: it never returned
                journal.force(true);
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            journal.read(payload, offset + HEADER_BYTES);
            if ((int) crc(payload.array()) != header.getInt(4)) {
                if (offset + HEADER_BYTES + length == size) {
                    journal.truncate(offset);
                    journal.force(true);
                    break;
                }
                throw new IOException(file + ": the record at offset " + offset + " fails its checksum");
            }
            replay(new DataInputStream(new ByteArrayInputStream(payload.array())));
            offset += HEADER_BYTES + length;
        }
        journal.position(journal.size());
        removeStaleSnapshotFiles();
    }

    private synchronized void replay(DataInputStream in) throws IOException {
        byte type = in.readByte();
        switch (type) {
            case BASE -> {
                firstIndex = in.readLong() + 1;
                baseTerm = in.readLong();
                entries = new ArrayList<>();
            }
            case PERSIST -> {
                if (in.readBoolean()) {
                    hardState = readHardState(in);
                }
                int count = in.readInt();
                List<LogEntry> read = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    read.add(readEntry(in));
                }
                applyEntries(read);
            }
            case SNAPSHOT -> {
                latestSnapshot = readSnapshotMeta(in);
                latestSnapshotFile = in.readUTF();
                String sequence = latestSnapshotFile.substring(SNAPSHOT_PREFIX.length(), latestSnapshotFile.length() - 4);
                snapshotSequence = Math.max(snapshotSequence, Long.parseLong(sequence));
            }
            default -> throw new IOException(dir.resolve(JOURNAL) + ": unknown record type " + type);
        }
    }

    /** Appends one record and forces it to disk; on failure cuts the journal back, so nothing is stored. */
    private void append(byte[] payload) throws IOException {
        requireOpen();
        long before = journal.size();
        ByteBuffer record = ByteBuffer.allocate(HEADER_BYTES + payload.length);
        record.putInt(payload.length).putInt((int) crc(payload)).put(payload).flip();
        try {
            while (record.hasRemaining()) {
                journal.write(record);
            }
            journal.force(true);
        } catch (IOException e) {
            try {
                journal.truncate(before);
                journal.position(before);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Replaces the journal with one describing the log continuing after (index, term) with {@code kept}. */
    private void rewrite(long index, long term, List<LogEntry> kept) throws IOException {
        requireOpen();
        HardState currentHardState;
        SnapshotMeta snapshot;
        String snapshotFile;
        synchronized (this) {
            currentHardState = hardState;
            snapshot = latestSnapshot;
            snapshotFile = latestSnapshotFile;
        }
        Path temp = dir.resolve(JOURNAL + ".tmp");
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            for (byte[] payload : List.of(baseRecord(index, term), persistRecord(currentHardState, kept))) {
                out.write(ByteBuffer.allocate(HEADER_BYTES).putInt(payload.length).putInt((int) crc(payload)).flip());
                out.write(ByteBuffer.wrap(payload));
            }
            if (snapshot != null) {
                byte[] payload = snapshotRecord(snapshot, snapshotFile);
                out.write(ByteBuffer.allocate(HEADER_BYTES).putInt(payload.length).putInt((int) crc(payload)).flip());
                out.write(ByteBuffer.wrap(payload));
            }
            out.force(true);
        }
        journal.close();
        Files.move(temp, dir.resolve(JOURNAL), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory();
        journal = FileChannel.open(dir.resolve(JOURNAL), StandardOpenOption.READ, StandardOpenOption.WRITE);
        journal.position(journal.size());
        synchronized (this) {
            firstIndex = index + 1;
            baseTerm = term;
            entries = new ArrayList<>(kept);
        }
    }

    private void checkAppend(List<LogEntry> newEntries) {
        if (newEntries.isEmpty()) {
            return;
        }
        long first = newEntries.get(0).index();
        synchronized (this) {
            if (first < firstIndex || first > lastIndex() + 1) {
                throw new IllegalArgumentException("the first entry's index " + first + " is outside ["
                        + firstIndex + ", " + (lastIndex() + 1) + "]");
            }
        }
        for (int i = 1; i < newEntries.size(); i++) {
            if (newEntries.get(i).index() != first + i) {
                throw new IllegalArgumentException("entries are not contiguous: index " + newEntries.get(i).index()
                        + " follows " + newEntries.get(i - 1).index());
            }
        }
    }

    /** Replaces the log's suffix from the first new entry; the caller holds this. */
    private void applyEntries(List<LogEntry> newEntries) {
        if (newEntries.isEmpty()) {
            return;
        }
        int keep = (int) (newEntries.get(0).index() - firstIndex);
        List<LogEntry> next = new ArrayList<>(entries.subList(0, keep));
        next.addAll(newEntries);
        entries = next;
    }

    private void requireOpen() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the store in " + dir + " is closed");
            }
        }
    }

    private void syncDirectory() throws IOException {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    private void removeStaleSnapshotFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (name.startsWith(SNAPSHOT_PREFIX) && !name.equals(latestSnapshotFile) || name.endsWith(".tmp")) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    // ---- record encoding ----

    private static byte[] baseRecord(long index, long term) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(BASE);
        out.writeLong(index);
        out.writeLong(term);
        return bytes.toByteArray();
    }

    private static byte[] persistRecord(HardState hardState, List<LogEntry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(PERSIST);
        out.writeBoolean(hardState != null);
        if (hardState != null) {
            out.writeLong(hardState.term());
            out.writeUTF(hardState.vote().map(NodeId::value).orElse(""));
            out.writeLong(hardState.commitIndex());
        }
        out.writeInt(entries.size());
        for (LogEntry entry : entries) {
            out.writeLong(entry.index());
            out.writeLong(entry.term());
            out.writeByte(entry.kind().ordinal());
            out.writeInt(entry.payload().length);
            out.write(entry.payload());
        }
        return bytes.toByteArray();
    }

    private static byte[] snapshotRecord(SnapshotMeta meta, String file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(SNAPSHOT);
        out.writeLong(meta.index());
        out.writeLong(meta.term());
        out.writeLong(meta.membership().index());
        writeMembers(out, meta.membership().voters());
        writeMembers(out, meta.membership().learners());
        out.writeLong(meta.sizeBytes());
        out.writeLong(meta.crc32c());
        out.writeUTF(file);
        return bytes.toByteArray();
    }

    private static void writeMembers(DataOutputStream out, Map<NodeId, Address> members) throws IOException {
        out.writeInt(members.size());
        for (Map.Entry<NodeId, Address> member : members.entrySet()) {
            out.writeUTF(member.getKey().value());
            out.writeUTF(member.getValue().toString());
        }
    }

    private static HardState readHardState(DataInputStream in) throws IOException {
        long term = in.readLong();
        String vote = in.readUTF();
        return new HardState(term, vote.isEmpty() ? null : NodeId.of(vote), in.readLong());
    }

    private static LogEntry readEntry(DataInputStream in) throws IOException {
        long index = in.readLong();
        long term = in.readLong();
        EntryKind kind = EntryKind.values()[in.readByte()];
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        return new LogEntry(index, term, kind, payload);
    }

    private static SnapshotMeta readSnapshotMeta(DataInputStream in) throws IOException {
        long index = in.readLong();
        long term = in.readLong();
        Membership membership = new Membership(in.readLong(), readMembers(in), readMembers(in));
        return new SnapshotMeta(index, term, membership, in.readLong(), in.readLong());
    }

    private static Map<NodeId, Address> readMembers(DataInputStream in) throws IOException {
        int count = in.readInt();
        Map<NodeId, Address> members = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            members.put(NodeId.of(in.readUTF()), Address.parse(in.readUTF()));
        }
        return members;
    }

    private static long crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }

    /** Writes one snapshot to a temp file and makes it the latest on commit. */
    private final class FileSnapshotWriter implements SnapshotWriter {

        private final long index;
        private final long term;
        private final Membership membership;
        private final String fileName;
        private final Path temp;
        private final FileOutputStream file;
        private final CRC32C crc = new CRC32C();
        private final OutputStream output;
        private long size;
        private boolean finished;

        FileSnapshotWriter(long index, long term, Membership membership, String fileName) throws IOException {
            this.index = index;
            this.term = term;
            this.membership = membership;
            this.fileName = fileName;
            this.temp = dir.resolve(fileName + ".tmp");
            this.file = new FileOutputStream(temp.toFile());
            OutputStream counting = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    file.write(b);
                    size++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    file.write(b, off, len);
                    size += len;
                }
            };
            this.output = new BufferedOutputStream(new CheckedOutputStream(counting, crc)) {
                @Override
                public void close() throws IOException {
                    flush(); // closing the stream does not commit, and leaves the file open for commit
                }
            };
        }

        @Override
        public OutputStream output() {
            return output;
        }

        @Override
        public SnapshotMeta commit() throws IOException {
            if (finished) {
                throw new IllegalStateException("snapshot " + fileName + " was already committed or abandoned");
            }
            output.flush();
            file.getFD().sync();
            file.close();
            Files.move(temp, dir.resolve(fileName), StandardCopyOption.ATOMIC_MOVE);
            syncDirectory();
            SnapshotMeta meta = new SnapshotMeta(index, term, membership, size, crc.getValue());
            String previous;
            synchronized (writeLock) {
                append(snapshotRecord(meta, fileName));
                synchronized (FileLogStore.this) {
                    previous = latestSnapshotFile;
                    latestSnapshot = meta;
                    latestSnapshotFile = fileName;
                }
            }
            finished = true;
            if (previous != null) {
                Files.deleteIfExists(dir.resolve(previous)); // open readers keep reading the unlinked file
            }
            return meta;
        }

        @Override
        public void close() throws IOException {
            if (!finished) {
                finished = true;
                file.close();
                Files.deleteIfExists(temp);
            }
        }
    }
}
