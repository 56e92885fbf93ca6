package dev.raftkit.lmdb;

import dev.raftkit.Membership;
import dev.raftkit.lmdb.MetaRecords.LogStart;
import dev.raftkit.lmdb.MetaRecords.SnapshotRecord;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * A durable {@link LogStore} on LMDB. Layout under the node's data directory:
 * <pre>
 *   lmdb/data.mdb, lmdb/lock.mdb   the environment: databases "entries" and "meta"
 *   snapshots/*.snap               snapshot data; the latest is named in "meta"
 *   lmdb-store.lock                held while the store is open, so no second store opens it
 * </pre>
 * Entries are keyed by big-endian index and carry a CRC32C (see {@code EntryCodec}); the hard state,
 * the log start position, the latest snapshot and a format version live in "meta". Each
 * {@link #persist} is one write transaction, so a batch of entries, its suffix truncation and the
 * hard state cost one sync and are atomic.
 *
 * <p>Threading and durability as {@link LogStore} states. Reads use LMDB read transactions and never
 * wait for the writer's sync. After a write fails with an {@link IOException} the store refuses
 * further writes (fail-stop: a failed sync must not be retried as if nothing happened); reopen it.
 * Corruption found on read is an {@link IOException} naming the index or record and the file.
 *
 * <p>Options: see {@link LmdbLogStoreProvider}.
 */
public final class LmdbLogStore implements LogStore {

    /** The format version this code writes, and the newest it reads. */
    static final int FORMAT_VERSION = 1;

    private static final System.Logger LOG = System.getLogger(LmdbLogStore.class.getName());

    private final LmdbEnvironment env;
    private final SnapshotFiles snapshots;
    private final FileChannel lockChannel;
    private final Path dataFile;
    /** The writer's view of the log's bounds; replaced, never modified, after each committed write. */
    private volatile Bounds bounds;
    private volatile IOException failure;
    private volatile boolean closed;

    /** The log holds entries {@code [start.index + 1, last]}. */
    private record Bounds(LogStart start, long last) {
        long first() {
            return start.index() + 1;
        }
    }

    private LmdbLogStore(LmdbEnvironment env, SnapshotFiles snapshots, FileChannel lockChannel, Bounds bounds) {
        this.env = env;
        this.snapshots = snapshots;
        this.lockChannel = lockChannel;
        this.dataFile = env.dataFile();
        this.bounds = bounds;
    }

    /**
     * Opens (creating if needed) the store in {@code dataDir}, recovering what was durable.
     *
     * @param dataDir the node's data directory; created if missing
     * @param options the node's options; the {@code lmdb.*} ones are read, others ignored
     * @return the store
     * @throws IllegalArgumentException naming the option if an {@code lmdb.*} option is invalid
     * @throws IOException if the directory is in use by another open store, the store was written by
     *     a newer format version, is damaged, or cannot be opened
     */
    public static LmdbLogStore open(Path dataDir, Map<String, String> options) throws IOException {
        Objects.requireNonNull(dataDir, "dataDir");
        LmdbOptions parsed = LmdbOptions.parse(options);
        if (parsed.sync() != LmdbOptions.SyncMode.FULL) {
            LOG.log(Level.WARNING, "lmdb.sync={0} for {1}: acknowledged writes can be lost on power loss",
                    parsed.sync().name().toLowerCase(Locale.ROOT), dataDir);
        }
        Path envDir = Files.createDirectories(dataDir.resolve("lmdb"));
        FileChannel lockChannel = lock(dataDir.resolve("lmdb-store.lock"));
        LmdbEnvironment env;
        try {
            env = LmdbEnvironment.open(envDir, parsed);
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        try {
            SnapshotFiles snapshots = new SnapshotFiles(dataDir.resolve("snapshots"));
            Bounds bounds = recover(env);
            snapshots.removeAllBut(env.read(txn -> readSnapshot(env, txn)).map(SnapshotRecord::fileName).orElse(null));
            return new LmdbLogStore(env, snapshots, lockChannel, bounds);
        } catch (IOException | RuntimeException e) {
            env.close();
            lockChannel.close();
            throw e;
        }
    }

    @Override
    public HardState hardState() throws IOException {
        checkOpen();
        return env.read(txn -> {
            byte[] value = env.meta().get(txn, MetaRecords.HARD_STATE);
            return value == null ? HardState.INITIAL : MetaRecords.decodeHardState(value, dataFile);
        });
    }

    @Override
    public long firstIndex() {
        checkOpen();
        return bounds.first();
    }

    @Override
    public long lastIndex() {
        checkOpen();
        return bounds.last();
    }

    @Override
    public long term(long index) throws IOException {
        checkOpen();
        return env.read(txn -> {
            Bounds current = readBounds(env, txn);
            if (index < current.start().index() || index > current.last()) {
                throw new IllegalArgumentException("term(" + index + ") is outside [" + current.start().index()
                        + ", " + current.last() + "] of " + dataFile);
            }
            if (index == current.start().index()) {
                return current.start().term();
            }
            return EntryCodec.term(index, requireEntry(txn, index), dataFile);
        });
    }

    @Override
    public List<LogEntry> entries(long from, long to, long maxBytes) throws IOException {
        checkOpen();
        return env.read(txn -> {
            Bounds current = readBounds(env, txn);
            if (from < current.first() || to > current.last() + 1 || to < from || maxBytes < 1) {
                throw new IllegalArgumentException("entries(" + from + ", " + to + ", " + maxBytes
                        + ") is outside the log [" + current.first() + ", " + current.last() + "] of " + dataFile
                        + " (needs first <= from <= to <= last + 1, maxBytes >= 1)");
            }
            List<LogEntry> result = new ArrayList<>();
            if (from == to) {
                return result;
            }
            long bytes = 0;
            try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
                boolean found = cursor.get(EntryCodec.key(from), GetOp.MDB_SET_KEY);
                for (long index = from; index < to; index++) {
                    if (!found || EntryCodec.index(cursor.key()) != index) {
                        throw missing(index);
                    }
                    LogEntry entry = EntryCodec.decode(index, cursor.val(), dataFile);
                    bytes += entry.sizeBytes();
                    if (!result.isEmpty() && bytes > maxBytes) {
                        break;
                    }
                    result.add(entry);
                    found = index + 1 < to && cursor.next();
                }
            }
            return result;
        });
    }

    @Override
    public void persist(HardState hardState, List<LogEntry> entries) throws IOException {
        Objects.requireNonNull(entries, "entries");
        checkWritable();
        Bounds current = bounds;
        if (!entries.isEmpty()) {
            long first = entries.get(0).index();
            if (first < current.first() || first > current.last() + 1) {
                throw new IllegalArgumentException("persist: first entry index " + first + " must be in ["
                        + current.first() + ", " + (current.last() + 1) + "] of " + dataFile);
            }
            for (int i = 1; i < entries.size(); i++) {
                if (entries.get(i).index() != first + i) {
                    throw new IllegalArgumentException("persist: entries are not contiguous: index "
                            + entries.get(i).index() + " follows " + entries.get(i - 1).index());
                }
            }
        }
        List<byte[]> values = new ArrayList<>(entries.size());
        for (LogEntry entry : entries) {
            values.add(EntryCodec.encode(entry));
        }
        byte[] hardStateValue = hardState == null ? null : MetaRecords.encodeHardState(hardState);
        long last = entries.isEmpty() ? current.last() : entries.get(entries.size() - 1).index();
        guardWrite(() -> env.write(txn -> {
            if (!entries.isEmpty()) {
                for (long index = entries.get(0).index(); index <= current.last(); index++) {
                    env.entries().delete(txn, EntryCodec.key(index));
                }
                for (int i = 0; i < values.size(); i++) {
                    env.entries().put(txn, EntryCodec.key(entries.get(i).index()), values.get(i));
                }
            }
            if (hardStateValue != null) {
                env.meta().put(txn, MetaRecords.HARD_STATE, hardStateValue);
            }
            return null;
        }));
        bounds = new Bounds(current.start(), last);
    }

    @Override
    public void compact(long throughIndex) throws IOException {
        checkWritable();
        Bounds current = bounds;
        if (throughIndex > current.last()) {
            throw new IllegalArgumentException("compact(" + throughIndex + ") is beyond the last index "
                    + current.last() + " of " + dataFile);
        }
        if (throughIndex < current.first()) {
            return;
        }
        LogStart start = new LogStart(throughIndex, term(throughIndex));
        guardWrite(() -> env.write(txn -> {
            for (long index = current.first(); index <= throughIndex; index++) {
                env.entries().delete(txn, EntryCodec.key(index));
            }
            env.meta().put(txn, MetaRecords.LOG_START, MetaRecords.encodeLogStart(start));
            return null;
        }));
        bounds = new Bounds(start, current.last());
    }

    @Override
    public void reset(long index, long term) throws IOException {
        if (index < 0 || term < 0 || (index == 0) != (term == 0)) {
            throw new IllegalArgumentException("reset(" + index + ", " + term
                    + "): index and term must be >= 0, and term is 0 exactly when index is 0");
        }
        checkWritable();
        LogStart start = new LogStart(index, term);
        guardWrite(() -> env.write(txn -> {
            env.entries().drop(txn);
            env.meta().put(txn, MetaRecords.LOG_START, MetaRecords.encodeLogStart(start));
            return null;
        }));
        bounds = new Bounds(start, index);
    }

    @Override
    public SnapshotWriter beginSnapshot(long index, long term, Membership membership) throws IOException {
        Objects.requireNonNull(membership, "membership");
        if (index < 1 || term < 1) {
            throw new IllegalArgumentException("beginSnapshot: index and term must be >= 1, were "
                    + index + " and " + term);
        }
        checkWritable();
        return new LmdbSnapshotWriter(snapshots.createTemp(index), (temp, size, crc) -> {
            SnapshotMeta meta = new SnapshotMeta(index, term, membership, size, crc);
            publishSnapshot(temp, meta);
            return meta;
        });
    }

    @Override
    public Optional<SnapshotMeta> latestSnapshot() throws IOException {
        checkOpen();
        return env.read(txn -> readSnapshot(env, txn)).map(SnapshotRecord::meta);
    }

    @Override
    public InputStream openSnapshot(SnapshotMeta meta) throws IOException {
        Objects.requireNonNull(meta, "meta");
        checkOpen();
        Optional<SnapshotRecord> latest = env.read(txn -> readSnapshot(env, txn));
        if (latest.isEmpty() || !latest.get().meta().equals(meta)) {
            throw new IOException("snapshot " + meta + " is no longer stored in " + dataFile
                    + latest.map(r -> " (latest is " + r.meta() + ")").orElse(" (there is none)"));
        }
        String fileName = latest.get().fileName();
        return new VerifyingInputStream(snapshots.open(fileName), meta.sizeBytes(), meta.crc32c(),
                snapshots.path(fileName));
    }

    /** Closes the environment (waiting for running reads) and releases the directory. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        env.close();
        lockChannel.close();
    }

    @Override
    public String toString() {
        return "LmdbLogStore[" + dataFile + "]";
    }

    // ---- Writing helpers ------------------------------------------------------------------------

    /** An action whose I/O failure fails the store for writing. */
    @FunctionalInterface
    private interface Write<R> {
        R run() throws IOException;
    }

    private <R> R guardWrite(Write<R> write) throws IOException {
        try {
            return write.run();
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    /**
     * Renames the synced temp file and records it as the latest, then removes older files; a file
     * that cannot be removed now is removed at the next open.
     */
    private void publishSnapshot(Path temp, SnapshotMeta meta) throws IOException {
        checkWritable();
        String published = guardWrite(() -> {
            String fileName = snapshots.publish(temp);
            try {
                byte[] record = MetaRecords.encodeSnapshot(new SnapshotRecord(meta, fileName));
                env.write(txn -> {
                    env.meta().put(txn, MetaRecords.SNAPSHOT, record);
                    return null;
                });
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(snapshots.path(fileName));
                throw e;
            }
            return fileName;
        });
        try {
            snapshots.removeAllBut(published);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove older snapshots beside " + published + "; will retry at open", e);
        }
    }

    // ---- Reading helpers ------------------------------------------------------------------------

    private byte[] requireEntry(Txn<byte[]> txn, long index) throws IOException {
        byte[] value = env.entries().get(txn, EntryCodec.key(index));
        if (value == null) {
            throw missing(index);
        }
        return value;
    }

    private IOException missing(long index) {
        return new IOException("entry " + index + " is missing from " + dataFile + " though the log should hold it");
    }

    private static Bounds readBounds(LmdbEnvironment env, Txn<byte[]> txn) throws IOException {
        byte[] startValue = env.meta().get(txn, MetaRecords.LOG_START);
        LogStart start = startValue == null ? LogStart.EMPTY : MetaRecords.decodeLogStart(startValue, env.dataFile());
        try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
            long last = cursor.last() ? EntryCodec.index(cursor.key()) : start.index();
            if (last < start.index()) {
                throw new IOException("the last entry " + last + " in " + env.dataFile()
                        + " lies before the log start " + start.index() + ": the store is damaged");
            }
            return new Bounds(start, last);
        }
    }

    private static Optional<SnapshotRecord> readSnapshot(LmdbEnvironment env, Txn<byte[]> txn) throws IOException {
        byte[] value = env.meta().get(txn, MetaRecords.SNAPSHOT);
        return value == null ? Optional.empty() : Optional.of(MetaRecords.decodeSnapshot(value, env.dataFile()));
    }

    /** Checks the format version, writing it into a new store, and reads the log's bounds. */
    private static Bounds recover(LmdbEnvironment env) throws IOException {
        Path file = env.dataFile();
        boolean stamped = env.read(txn -> {
            byte[] format = env.meta().get(txn, MetaRecords.FORMAT);
            if (format != null) {
                int version = MetaRecords.decodeFormat(format, file);
                if (version > FORMAT_VERSION) {
                    throw new IOException(file + " was written by a newer raftkit (store format version " + version
                            + "); this version reads formats up to " + FORMAT_VERSION
                            + ": upgrade raftkit to open it");
                }
                if (version < 1) {
                    throw new IOException("the format version record in " + file + " is damaged: version " + version);
                }
                return true;
            }
            if (env.entries().stat(txn).entries > 0 || env.meta().stat(txn).entries > 0) {
                throw new IOException(file + " holds data but no format version record: it is not a raftkit"
                        + " log store, or it is damaged");
            }
            return false;
        });
        if (!stamped) {
            env.write(txn -> {
                env.meta().put(txn, MetaRecords.FORMAT, MetaRecords.encodeFormat(FORMAT_VERSION));
                return null;
            });
        }
        return env.read(txn -> readBounds(env, txn));
    }

    private static FileChannel lock(Path lockFile) throws IOException {
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new IOException(lockFile.getParent() + " is in use by another process's lmdb log store");
            }
            return channel;
        } catch (OverlappingFileLockException e) {
            channel.close();
            throw new IOException(lockFile.getParent() + " is already open by an lmdb log store in this JVM", e);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("lmdb log store " + dataFile + " is closed");
        }
    }

    private void checkWritable() throws IOException {
        checkOpen();
        IOException failed = failure;
        if (failed != null) {
            throw new IOException("lmdb log store " + dataFile + " refuses writes after an earlier failure;"
                    + " reopen it: " + failed.getMessage(), failed);
        }
    }
}
