package dev.raftkit.lmdb;

import dev.raftkit.Membership;
import dev.raftkit.lmdb.MetaRecords.JournalMark;
import dev.raftkit.lmdb.MetaRecords.LogStart;
import dev.raftkit.lmdb.MetaRecords.SnapshotRecord;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.stream.Stream;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link LogStore} on LMDB. Layout under the node's data directory:
 * <pre>
 *   lmdb/data.mdb, lmdb/lock.mdb   the environment: databases "entries" and "meta"
 *   lmdb/journal                   the write-ahead journal (with lmdb.sync=full)
 *   snapshots/*.snap               snapshot data; the latest is named in "meta"
 *   lmdb-store.lock                held while the store is open, so no second store opens it
 * </pre>
 * Entries are keyed by big-endian index and carry a CRC32C (see {@code EntryCodec}); the hard state,
 * the log start position, the latest snapshot, a log generation and a format version live in "meta".
 *
 * <h2>The journal ({@code lmdb.sync=full})</h2>
 * An LMDB commit with full sync costs two flushes (the data pages, then the meta page). So
 * {@link #persist} instead appends one record (its hard state and entries) to a preallocated
 * {@link Journal} and syncs it: one flush, no metadata; {@link #compact} likewise appends a record
 * of the new log start (a {@link JournalRecord}). What the records say and LMDB does not yet is kept
 * in memory as an {@link Overlay} that reads consult before LMDB: entries that replace LMDB's from
 * its first index on, a hard state, and a log start (LMDB still holds the entries up to it, which no
 * read asks for). A checkpoint moves the overlay into LMDB in one fully synced write transaction
 * (delete the entries from the overlay's first index on and those up to its log start, put its
 * entries, hard state and log start), then starts a new journal epoch, which makes the old records
 * obsolete. So a checkpoint moves only the entries still in the log, and compacted ones are deleted
 * without ever being put. It runs when the journal is more than half full, before a record larger
 * than half the journal (which is then written to LMDB directly), and before {@link #reset}. At
 * open, the current epoch's records are composed into an overlay, in order, independently of LMDB
 * (a compaction raises the overlay's log start, never lowers it, and drops its entries up to it; a
 * persist never reaches back to the log start in force when it was written, which persist checks),
 * and that overlay is checkpointed into LMDB.
 *
 * <p>Why replay is safe when a crash came between a checkpoint's LMDB commit and its new epoch, so
 * that the next open applies records LMDB already holds: the composed overlay replaces every LMDB
 * entry from its first index on and deletes every one up to its log start, so the result depends on
 * LMDB's state only through the entries between those two bounds, which applying the overlay does
 * not change; and the log start stored is the higher of LMDB's and the overlay's, so a log start
 * LMDB already holds, even one above the overlay's, stays, and entries at or below it are never
 * stored. Applying the overlay twice therefore gives the same state as once. Durability is
 * unchanged: a persist or compact returns once its record is synced. With {@code nometasync} or
 * {@code nosync} each persist or compact is an LMDB transaction of its own, as that mode syncs it;
 * a journal left by a full-sync run is applied and removed at open.
 *
 * <p>Threading and durability as {@link LogStore} states. Reads use LMDB read transactions and never
 * wait for the writer's sync. Each write of the log to LMDB raises the log generation stored with it,
 * and the writer publishes, through a volatile, the in-memory view (bounds and overlay) of each
 * generation, including, while an LMDB write runs, the view it will produce; a read uses the view of
 * its transaction's generation, so it sees one state, before or after any write. After a write
 * fails with an {@link IOException} the store refuses further writes (fail-stop: a failed sync must
 * not be retried as if nothing happened); reopen it. Corruption found on read is an
 * {@link IOException} naming the index or record and the file.
 *
 * <p>Options: see {@link LmdbLogStoreProvider}.
 */
public final class LmdbLogStore implements LogStore {

    /**
     * The format version this code writes, and the newest it reads. Version 2 added the journal and
     * the generation record; version 3 added compaction records to the journal; version 4 added the
     * journal mark and the journal's id and size in its header. An older store is stamped 4 when
     * opened (its journal is replayed, then replaced by one with an id, which the mark records), so
     * older code, which would ignore the journal (version 1), take a compaction record for damage
     * (version 2) or not read the new header (version 3), refuses it.
     */
    static final int FORMAT_VERSION = 4;
    /** The journal's file name in the LMDB environment's directory. */
    static final String JOURNAL_FILE = "journal";
    /** The LMDB environment's directory's name in the data directory. */
    static final String ENV_DIR = "lmdb";
    /** The name of the file in the data directory that an open store holds a lock on. */
    static final String LOCK_FILE = "lmdb-store.lock";
    /** The snapshot directory's name in the data directory. */
    static final String SNAPSHOT_DIR = "snapshots";
    /** How to recover a store that refuses to open because acknowledged data is lost or foreign. */
    static final String RECOVERY = "to recover, remove this member's data directory and add the member back through"
            + " a membership change (remove it, then add it), so it receives the log or a snapshot from the leader;"
            + " see \"Journal and data.mdb\" in docs/operations.md";

    private static final Logger LOG = LoggerFactory.getLogger(LmdbLogStore.class);

    private final LmdbEnvironment env;
    private final SnapshotFiles snapshots;
    private final FileChannel lockChannel;
    private final Path dataFile;
    /** The journal, or null unless {@code lmdb.sync=full}. */
    private final Journal journal;
    /** What readers see; replaced, never modified, by the writer. */
    private volatile Views views;
    private volatile IOException failure;
    private volatile boolean closed;

    /**
     * The log as of LMDB generation {@code generation} plus the overlay: entries
     * {@code [start.index + 1, last]}, those from {@code overlay.first()} on in the overlay.
     */
    private record View(long generation, LogStart start, long last, Overlay overlay) {
        long first() {
            return start.index() + 1;
        }

        /** Returns this view after a persist of {@code state} and {@code entries} to the journal. */
        View persisted(HardState state, List<LogEntry> entries) {
            long newLast = entries.isEmpty() ? last : entries.get(entries.size() - 1).index();
            return new View(generation, start, newLast, overlay.with(state, entries));
        }

        /** Returns this view after a compaction to {@code newStart} recorded in the journal. */
        View compacted(LogStart newStart) {
            return new View(generation, newStart, last, overlay.compacted(newStart));
        }

        /** Returns the view after an LMDB write of the log that leaves it with {@code start} and {@code last}. */
        View written(LogStart newStart, long newLast) {
            return new View(generation + 1, newStart, newLast, Overlay.EMPTY);
        }

        /** Returns why {@code entries} cannot be persisted onto this log, or null if they can. */
        String misfit(List<LogEntry> entries) {
            if (entries.isEmpty()) {
                return null;
            }
            long firstIndex = entries.get(0).index();
            if (firstIndex < first() || firstIndex > last + 1) {
                return "first entry index " + firstIndex + " must be in [" + first() + ", " + (last + 1) + "]";
            }
            for (int i = 1; i < entries.size(); i++) {
                if (entries.get(i).index() != firstIndex + i) {
                    return "entries are not contiguous: index " + entries.get(i).index() + " follows "
                            + entries.get(i - 1).index();
                }
            }
            return null;
        }
    }

    /**
     * The latest view, and while an LMDB write of the log is running, the view it will produce
     * (else null): a reader's transaction may see that write before the writer publishes its view.
     */
    private record Views(View current, View next) {
        /** Returns the view of LMDB generation {@code generation}, or null if neither is. */
        View of(long generation) {
            if (current.generation() == generation) {
                return current;
            }
            return next != null && next.generation() == generation ? next : null;
        }
    }

    /** Work on a read transaction with the view that matches it. */
    @FunctionalInterface
    private interface ViewWork<R> {
        R run(Txn<byte[]> txn, View view) throws IOException;
    }

    private LmdbLogStore(LmdbEnvironment env, SnapshotFiles snapshots, FileChannel lockChannel, View view,
            Journal journal) {
        this.env = env;
        this.snapshots = snapshots;
        this.lockChannel = lockChannel;
        this.dataFile = env.dataFile();
        this.views = new Views(view, null);
        this.journal = journal;
    }

    /**
     * Opens (creating if needed) the store in {@code dataDir}, recovering what was durable.
     *
     * @param dataDir the node's data directory; created if missing
     * @param options the node's options; the {@code lmdb.*} ones are read, others ignored
     * @return the store
     * @throws IllegalArgumentException naming the option if an {@code lmdb.*} option is invalid
     * @throws IOException if the directory is in use by another open store, the store was written by
     *     a newer format version, is damaged (including acknowledged records in its journal), its
     *     journal is missing, truncated, another store's or an older copy, its {@code data.mdb} is
     *     missing beside a journal or snapshot files or is an older copy (each naming the file, what
     *     was expected and {@link #RECOVERY}), or it cannot be opened
     */
    public static LmdbLogStore open(Path dataDir, Map<String, String> options) throws IOException {
        Objects.requireNonNull(dataDir, "dataDir");
        LmdbOptions parsed = LmdbOptions.parse(options);
        String sync = parsed.sync().name().toLowerCase(Locale.ROOT);
        if (parsed.sync() != LmdbOptions.SyncMode.FULL) {
            LOG.warn("lmdb.sync={} for {}: acknowledged writes can be lost on power loss", sync, dataDir);
        }
        Path envDir = Files.createDirectories(dataDir.resolve(ENV_DIR));
        Path journalFile = envDir.resolve(JOURNAL_FILE);
        FileChannel lockChannel = lock(dataDir);
        LmdbEnvironment env;
        try {
            refuseLostEnvironment(envDir.resolve(LmdbEnvironment.DATA_FILE), journalFile, dataDir.resolve(SNAPSHOT_DIR));
            env = LmdbEnvironment.open(envDir, parsed);
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        Journal journal = null;
        try {
            SnapshotFiles snapshots = new SnapshotFiles(dataDir.resolve(SNAPSHOT_DIR));
            View view = recover(env);
            if (parsed.sync() == LmdbOptions.SyncMode.FULL || Files.exists(journalFile)
                    || env.read(txn -> readJournalMark(env, txn)) != null) {
                journal = openJournal(env, view, journalFile, parsed);
                view = env.read(txn -> readView(env, txn));
            }
            snapshots.removeAllBut(env.read(txn -> readSnapshot(env, txn)).map(SnapshotRecord::fileName).orElse(null));
            LOG.info("LMDB log store opened in {}: first index {}, last index {}, lmdb.sync={}", dataDir, view.first(), view.last(),
                    sync);
            return new LmdbLogStore(env, snapshots, lockChannel, view, journal);
        } catch (IOException | RuntimeException e) {
            if (journal != null) {
                journal.close();
            }
            env.close();
            lockChannel.close();
            throw e;
        }
    }

    @Override
    public HardState hardState() throws IOException {
        checkOpen();
        return read((txn, view) -> {
            if (view.overlay().hardState() != null) {
                return view.overlay().hardState();
            }
            byte[] value = env.meta().get(txn, MetaRecords.HARD_STATE);
            return value == null ? HardState.INITIAL : MetaRecords.decodeHardState(value, dataFile);
        });
    }

    @Override
    public long firstIndex() {
        checkOpen();
        return views.current().first();
    }

    @Override
    public long lastIndex() {
        checkOpen();
        return views.current().last();
    }

    @Override
    public long term(long index) throws IOException {
        checkOpen();
        return read((txn, view) -> {
            if (index < view.start().index() || index > view.last()) {
                throw new IllegalArgumentException("term(" + index + ") is outside [" + view.start().index()
                        + ", " + view.last() + "] of " + dataFile);
            }
            if (index == view.start().index()) {
                return view.start().term();
            }
            if (index >= view.overlay().first()) {
                return view.overlay().get(index).term();
            }
            return EntryCodec.term(index, requireEntry(txn, index), dataFile);
        });
    }

    @Override
    public List<LogEntry> entries(long from, long to, long maxBytes) throws IOException {
        checkOpen();
        return read((txn, view) -> {
            if (from < view.first() || to > view.last() + 1 || to < from || maxBytes < 1) {
                throw new IllegalArgumentException("entries(" + from + ", " + to + ", " + maxBytes
                        + ") is outside the log [" + view.first() + ", " + view.last() + "] of " + dataFile
                        + " (needs first <= from <= to <= last + 1, maxBytes >= 1)");
            }
            Batch batch = new Batch(maxBytes);
            long lmdbTo = Math.min(to, view.overlay().first());
            if (from < lmdbTo) {
                readFromLmdb(txn, from, lmdbTo, batch);
            }
            for (long index = Math.max(from, view.overlay().first()); index < to; index++) {
                if (!batch.add(view.overlay().get(index))) {
                    break;
                }
            }
            return batch.entries();
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>With {@code lmdb.sync=full}: one record appended to the journal and synced (after a
     * checkpoint if the journal is more than half full); a batch whose record would take more than
     * half the journal is checkpointed and written to LMDB directly.
     */
    @Override
    public void persist(HardState hardState, List<LogEntry> entries) throws IOException {
        Objects.requireNonNull(entries, "entries");
        checkWritable();
        String misfit = views.current().misfit(entries);
        if (misfit != null) {
            throw new IllegalArgumentException("persist: " + misfit + " of " + dataFile);
        }
        if (journal == null) {
            writeToLmdb(hardState, entries);
            return;
        }
        byte[] payload = new PersistRecord(hardState, entries).encode();
        long half = journal.recordCapacity() / 2;
        if (Journal.recordBytes(payload.length) > half) {
            checkpointIfUsed();
            writeToLmdb(hardState, entries);
            return;
        }
        appendToJournal(payload);
        views = new Views(views.current().persisted(hardState, entries), null);
    }

    /** Appends a record to the journal and syncs it, after a checkpoint if the journal is more than half full. */
    private void appendToJournal(byte[] payload) throws IOException {
        if (journal.usedBytes() > journal.recordCapacity() / 2) {
            checkpoint();
        }
        guardWrite(() -> {
            journal.append(payload);
            return null;
        });
    }

    /** Persists {@code hardState} and {@code entries} in an LMDB transaction of their own. */
    private void writeToLmdb(HardState hardState, List<LogEntry> entries) throws IOException {
        View current = views.current();
        long last = entries.isEmpty() ? current.last() : entries.get(entries.size() - 1).index();
        commit(current.written(current.start(), last), logWrite(Overlay.EMPTY.with(hardState, entries)));
    }

    /**
     * {@inheritDoc}
     *
     * <p>With {@code lmdb.sync=full}: one small record appended to the journal and synced; the
     * compacted entries stay in LMDB, unseen, until the next checkpoint deletes them.
     */
    @Override
    public void compact(long throughIndex) throws IOException {
        checkWritable();
        View before = views.current();
        if (throughIndex > before.last()) {
            throw new IllegalArgumentException("compact(" + throughIndex + ") is beyond the last index "
                    + before.last() + " of " + dataFile);
        }
        if (throughIndex < before.first()) {
            return;
        }
        LogStart start = new LogStart(throughIndex, term(throughIndex));
        if (journal == null) {
            commit(before.written(start, before.last()), logWrite(Overlay.EMPTY.compacted(start)));
            return;
        }
        appendToJournal(new CompactRecord(start).encode());
        views = new Views(views.current().compacted(start), null);
    }

    /** {@inheritDoc} Checkpoints the journal first, if it holds records. */
    @Override
    public void reset(long index, long term) throws IOException {
        if (index < 0 || term < 0 || (index == 0) != (term == 0)) {
            throw new IllegalArgumentException("reset(" + index + ", " + term
                    + "): index and term must be >= 0, and term is 0 exactly when index is 0");
        }
        checkWritable();
        checkpointIfUsed();
        LogStart start = new LogStart(index, term);
        commit(views.current().written(start, index), txn -> {
            env.entries().drop(txn);
            env.meta().put(txn, MetaRecords.LOG_START, MetaRecords.encodeLogStart(start));
        });
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
        return snapshots.open(fileName, meta.sizeBytes(), meta.crc32c());
    }

    /** Closes the environment (waiting for running reads) and the journal, and releases the directory. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        env.close();
        if (journal != null) {
            journal.close();
        }
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

    /** Work on a write transaction. */
    @FunctionalInterface
    private interface LogWrite {
        void run(Txn<byte[]> txn) throws IOException;
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
     * Writes the log to LMDB in one transaction that also raises the generation to {@code next}'s,
     * publishing {@code next} as the view that transaction produces while it runs, and as the
     * current view once it committed.
     */
    private void commit(View next, LogWrite write) throws IOException {
        views = new Views(views.current(), next);
        guardWrite(() -> env.write(raisingGeneration(env, write, next.generation())));
        views = new Views(next, null);
    }

    /** Returns the transaction work of {@code write} that also stores {@code generation}. */
    private static LmdbEnvironment.TxnWork<Void> raisingGeneration(LmdbEnvironment env, LogWrite write,
            long generation) {
        return txn -> {
            write.run(txn);
            env.meta().put(txn, MetaRecords.GENERATION, MetaRecords.encodeGeneration(generation));
            return null;
        };
    }

    /** Checkpoints the journal if it holds records. */
    private void checkpointIfUsed() throws IOException {
        if (journal != null && journal.usedBytes() > 0) {
            checkpoint();
        }
    }

    /**
     * Moves the overlay into LMDB, marking the journal's current epoch as checkpointed, and starts a
     * new journal epoch; see the class comment.
     */
    private void checkpoint() throws IOException {
        View current = views.current();
        Overlay overlay = current.overlay();
        commit(current.written(current.start(), current.last()),
                markingJournal(env, logWrite(overlay), new JournalMark(journal.id(), journal.epoch())));
        guardWrite(() -> {
            journal.beginEpoch();
            return null;
        });
    }

    /** Returns {@code write} followed by storing {@code mark} as the journal mark, if not null. */
    private static LogWrite markingJournal(LmdbEnvironment env, LogWrite write, JournalMark mark) {
        if (mark == null) {
            return write;
        }
        byte[] value = MetaRecords.encodeJournalMark(mark);
        return txn -> {
            write.run(txn);
            env.meta().put(txn, MetaRecords.JOURNAL, value);
        };
    }

    /** Returns the work of moving {@code overlay} into LMDB. */
    private LogWrite logWrite(Overlay overlay) {
        return logWrite(env, overlay);
    }

    /**
     * Returns the work of moving {@code overlay} into LMDB: LMDB's entries from its first index on
     * are replaced by its entries; if it has a log start above LMDB's, that start is stored and the
     * entries up to it are deleted (a start not above LMDB's changes nothing); its hard state, if
     * any, replaces LMDB's.
     */
    private static LogWrite logWrite(LmdbEnvironment env, Overlay overlay) {
        List<LogEntry> entries = overlay.entries();
        List<byte[]> values = new ArrayList<>(entries.size());
        for (LogEntry entry : entries) {
            values.add(EntryCodec.encode(entry));
        }
        byte[] hardStateValue = overlay.hardState() == null ? null : MetaRecords.encodeHardState(overlay.hardState());
        return txn -> {
            LogStart start = readLogStart(env, txn);
            if (overlay.start() != null && overlay.start().index() > start.index()) {
                start = overlay.start();
                env.meta().put(txn, MetaRecords.LOG_START, MetaRecords.encodeLogStart(start));
            }
            try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
                long first = cursor.first() ? EntryCodec.index(cursor.key()) : Long.MAX_VALUE;
                long last = cursor.last() ? EntryCodec.index(cursor.key()) : Long.MIN_VALUE;
                deleteEntries(env, txn, Math.max(first, overlay.first()), last);
                deleteEntries(env, txn, first, Math.min(start.index(), last));
            }
            // Every key from the overlay's first index on was just deleted, so each put appends:
            // MDB_APPEND skips the tree search (a checkpoint puts up to half a journal of entries in
            // one transaction). Entries at or below the log start are not stored.
            for (int i = (int) Math.max(0, start.index() + 1 - overlay.first()); i < values.size(); i++) {
                env.entries().put(txn, EntryCodec.key(overlay.first() + i), values.get(i), PutFlags.MDB_APPEND);
            }
            if (hardStateValue != null) {
                env.meta().put(txn, MetaRecords.HARD_STATE, hardStateValue);
            }
        };
    }

    /** Deletes LMDB's entries {@code [from, to]}, which it holds (none if {@code to < from}). */
    private static void deleteEntries(LmdbEnvironment env, Txn<byte[]> txn, long from, long to) {
        for (long index = from; index <= to; index++) {
            env.entries().delete(txn, EntryCodec.key(index));
        }
    }

    /**
     * Opens (creating if needed) the journal, checks it is the one LMDB's journal mark names, and
     * moves its records into LMDB. With {@code lmdb.sync=full} it returns the journal, in a new
     * epoch and of the configured size; otherwise it deletes the journal and returns null.
     *
     * <p>Every step leaves a state the next open accepts if a crash follows it: the mark is written
     * before the journal moves to the next epoch, a new journal is created (empty) before the mark
     * names it, and the mark is removed only after the journal was emptied by a new epoch. So an
     * open finds either the journal the mark names at the marked epoch or the next, or no mark and
     * a journal with no records (left by a crash while one was created or removed) or of version 1
     * (a store of format 3 or older). Anything else means records are lost or the files are not
     * this store's, and open refuses with {@link #RECOVERY}.
     */
    private static Journal openJournal(LmdbEnvironment env, View view, Path file, LmdbOptions options)
            throws IOException {
        boolean full = options.sync() == LmdbOptions.SyncMode.FULL;
        JournalMark mark = env.read(txn -> readJournalMark(env, txn));
        if (!Files.exists(file)) {
            if (mark != null) {
                throw new IOException("journal " + file + " is missing, but " + env.dataFile() + " expects "
                        + describe(mark) + ": the acknowledged writes recorded only in it are lost; " + RECOVERY);
            }
            return full ? createJournal(env, file, options.journalSize()) : null;
        }
        Journal journal = openExpected(file, mark, env.dataFile());
        try {
            Overlay overlay = replay(journal);
            if (mark == null && !journal.legacy() && journal.usedBytes() > 0) {
                throw new IOException("journal " + file + " (id " + Long.toHexString(journal.id()) + ") holds records,"
                        + " but " + env.dataFile() + " expects no journal: it is another store's journal, or "
                        + env.dataFile() + " was replaced; " + RECOVERY);
            }
            if (journal.usedBytes() > 0) {
                String misfit = misfit(view, overlay);
                if (misfit != null) {
                    throw new IOException("the records in journal " + file + " do not continue the log in "
                            + env.dataFile() + ": " + misfit);
                }
            }
            JournalMark applied = mark == null ? null : new JournalMark(journal.id(), journal.epoch());
            if (journal.usedBytes() > 0 || (applied != null && !applied.equals(mark))) {
                env.write(raisingGeneration(env, markingJournal(env, logWrite(env, overlay), applied),
                        view.generation() + 1));
            }
            if (mark == null) {
                journal.close();
                if (!full) {
                    Journal.delete(file);
                    return null;
                }
                return createJournal(env, file, options.journalSize());
            }
            if (!full) {
                journal.beginEpoch();
                journal.close();
                env.write(txn -> env.meta().delete(txn, MetaRecords.JOURNAL));
                Journal.delete(file);
                return null;
            }
            if (journal.sizeBytes() != options.journalSize()) {
                journal.close();
                return Journal.create(file, options.journalSize(), journal.id(), journal.epoch() + 1);
            }
            journal.beginEpoch();
            return journal;
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
    }

    /**
     * Opens the journal {@code file} and checks it is the one {@code mark} names (if not null).
     *
     * @throws IOException if it cannot be opened or is not the expected journal, naming what LMDB
     *     expects and how to recover
     */
    private static Journal openExpected(Path file, JournalMark mark, Path dataFile) throws IOException {
        Journal journal;
        try {
            journal = Journal.open(file);
        } catch (IOException e) {
            if (mark == null) {
                throw e;
            }
            throw new IOException(e.getMessage() + "; " + dataFile + " expects " + describe(mark) + "; "
                    + RECOVERY, e);
        }
        String problem = mark == null ? null : mismatch(file, journal.header(), mark, dataFile);
        if (problem != null) {
            journal.close();
            throw new IOException(problem + "; " + RECOVERY);
        }
        return journal;
    }

    /** Returns why the journal {@code file} with header {@code journal} is not the one {@code mark} names, or null. */
    static String mismatch(Path file, Journal.Header journal, JournalMark mark, Path dataFile) {
        if (journal.id() != mark.id()) {
            return "journal " + file + " is not this store's: its id is " + Long.toHexString(journal.id()) + ", but "
                    + dataFile + " expects " + describe(mark) + " (another store's journal, or data.mdb, was put here)";
        }
        if (journal.epoch() < mark.epoch()) {
            return "journal " + file + " is at epoch " + journal.epoch() + ", but " + dataFile + " expects "
                    + describe(mark) + ": the journal is an older copy, and the writes recorded in it since are lost";
        }
        if (journal.epoch() > mark.epoch() + 1) {
            return "journal " + file + " is at epoch " + journal.epoch() + ", but " + dataFile + " expects "
                    + describe(mark) + ": " + dataFile + " is an older copy, and the writes moved into it since are"
                    + " lost";
        }
        return null;
    }

    /** Describes the journal {@code mark} names, for error messages. */
    private static String describe(JournalMark mark) {
        return "journal id " + Long.toHexString(mark.id()) + " at epoch " + mark.epoch() + " or " + (mark.epoch() + 1);
    }

    /** Hands the journal's records to a new overlay, checking each follows the ones before. */
    static Overlay replay(Journal journal) throws IOException {
        Path file = journal.file();
        Overlay[] replayed = {Overlay.EMPTY};
        journal.replay((offset, payload) -> {
            JournalRecord record = JournalRecord.decode(payload, file, offset);
            String misfit = record.misfit(replayed[0]);
            if (misfit != null) {
                throw new IOException("the journal record at offset " + offset + " of " + file
                        + " does not follow the records before it: " + misfit);
            }
            replayed[0] = record.applyTo(replayed[0]);
        });
        return replayed[0];
    }

    /**
     * Creates a journal with a new id, then records it as the journal mark (a crash in between
     * leaves an empty journal no mark names, which the next open replaces).
     */
    private static Journal createJournal(LmdbEnvironment env, Path file, long size) throws IOException {
        Journal journal = Journal.create(file, size, Journal.newId(), 1);
        try {
            byte[] mark = MetaRecords.encodeJournalMark(new JournalMark(journal.id(), 0));
            env.write(txn -> env.meta().put(txn, MetaRecords.JOURNAL, mark));
            return journal;
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
    }

    /**
     * Refuses to open a store whose {@code data.mdb} is missing while its journal or snapshot files
     * are there: LMDB would create an empty environment, and the store would start with an empty log
     * beside them (and delete the snapshot files no record names).
     */
    private static void refuseLostEnvironment(Path dataFile, Path journalFile, Path snapshotDir) throws IOException {
        if (Files.exists(dataFile)) {
            return;
        }
        List<Path> left = new ArrayList<>();
        if (Files.exists(journalFile)) {
            left.add(journalFile);
        }
        if (Files.isDirectory(snapshotDir)) {
            try (Stream<Path> files = Files.list(snapshotDir)) {
                files.sorted().forEach(left::add);
            }
        }
        if (!left.isEmpty()) {
            throw new IOException(dataFile + " is missing, but " + left + " exist: this is not a new store but one"
                    + " that lost its LMDB data (log, hard state and snapshot record); nothing was changed; "
                    + RECOVERY);
        }
    }

    /**
     * Returns why the records that compose to {@code overlay} cannot apply to LMDB's log
     * {@code lmdb}, or null if they can: its entries must leave no gap after LMDB's or after its
     * log start, and its log start must not lie beyond the log's last entry.
     */
    private static String misfit(View lmdb, Overlay overlay) {
        LogStart start = overlay.start() != null && overlay.start().index() > lmdb.start().index()
                ? overlay.start() : lmdb.start();
        if (overlay.first() == Long.MAX_VALUE) {
            return start.index() > lmdb.last() ? "the log start " + start.index() + " lies beyond the last entry "
                    + lmdb.last() : null;
        }
        long continuesFrom = Math.max(lmdb.last(), start.index()) + 1;
        if (overlay.first() > continuesFrom) {
            return "their entries start at " + overlay.first() + ", after a gap from " + continuesFrom;
        }
        return start.index() >= overlay.end() ? "the log start " + start.index() + " lies beyond the last entry "
                + (overlay.end() - 1) : null;
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
            LOG.warn("could not remove older snapshots beside {}; will retry at open", published, e);
        }
    }

    // ---- Reading helpers ------------------------------------------------------------------------

    /**
     * Runs {@code work} in a read transaction with the view of the transaction's generation. If an
     * LMDB write of the log committed between reading the views and starting the transaction, and
     * another started since, no published view matches: it tries again.
     */
    private <R> R read(ViewWork<R> work) throws IOException {
        while (true) {
            Views seen = views;
            Optional<R> result = env.read(txn -> {
                View view = seen.of(readGeneration(env, txn));
                return view == null ? Optional.empty() : Optional.of(work.run(txn, view));
            });
            if (result.isPresent()) {
                return result.get();
            }
        }
    }

    /** Adds the entries {@code [from, to)} from LMDB to {@code batch}, until it is full. */
    private void readFromLmdb(Txn<byte[]> txn, long from, long to, Batch batch) throws IOException {
        try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
            boolean found = cursor.get(EntryCodec.key(from), GetOp.MDB_SET_KEY);
            for (long index = from; index < to; index++) {
                if (!found || EntryCodec.index(cursor.key()) != index) {
                    throw missing(index);
                }
                if (!batch.add(EntryCodec.decode(index, cursor.val(), dataFile))) {
                    return;
                }
                found = index + 1 < to && cursor.next();
            }
        }
    }

    /** The entries one read returns: as many as fit in its byte budget, but at least one. */
    private static final class Batch {
        private final long maxBytes;
        private final List<LogEntry> entries = new ArrayList<>();
        private long bytes;
        private boolean full;

        Batch(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        /** Adds {@code entry} if it fits; once one did not, adds nothing more. */
        boolean add(LogEntry entry) {
            bytes += entry.sizeBytes();
            full = full || (!entries.isEmpty() && bytes > maxBytes);
            if (!full) {
                entries.add(entry);
            }
            return !full;
        }

        List<LogEntry> entries() {
            return entries;
        }
    }

    private static long readGeneration(LmdbEnvironment env, Txn<byte[]> txn) throws IOException {
        byte[] value = env.meta().get(txn, MetaRecords.GENERATION);
        return value == null ? 0 : MetaRecords.decodeGeneration(value, env.dataFile());
    }

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

    /** Reads the view of LMDB's log, with an empty overlay. */
    private static View readView(LmdbEnvironment env, Txn<byte[]> txn) throws IOException {
        LogStart start = readLogStart(env, txn);
        try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
            long last = cursor.last() ? EntryCodec.index(cursor.key()) : start.index();
            if (last < start.index()) {
                throw new IOException("the last entry " + last + " in " + env.dataFile()
                        + " lies before the log start " + start.index() + ": the store is damaged");
            }
            return new View(readGeneration(env, txn), start, last, Overlay.EMPTY);
        }
    }

    static LogStart readLogStart(LmdbEnvironment env, Txn<byte[]> txn) throws IOException {
        byte[] value = env.meta().get(txn, MetaRecords.LOG_START);
        return value == null ? LogStart.EMPTY : MetaRecords.decodeLogStart(value, env.dataFile());
    }

    /** Reads the journal mark, or null if there is none. */
    static JournalMark readJournalMark(LmdbEnvironment env, Txn<byte[]> txn) throws IOException {
        byte[] value = env.meta().get(txn, MetaRecords.JOURNAL);
        return value == null ? null : MetaRecords.decodeJournalMark(value, env.dataFile());
    }

    static Optional<SnapshotRecord> readSnapshot(LmdbEnvironment env, Txn<byte[]> txn) throws IOException {
        byte[] value = env.meta().get(txn, MetaRecords.SNAPSHOT);
        return value == null ? Optional.empty() : Optional.of(MetaRecords.decodeSnapshot(value, env.dataFile()));
    }

    /** Checks the format version, writing the current one into a new or older store, and reads the log's view. */
    private static View recover(LmdbEnvironment env) throws IOException {
        Path file = env.dataFile();
        int stamped = env.read(txn -> {
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
                return version;
            }
            if (env.entries().stat(txn).entries > 0 || env.meta().stat(txn).entries > 0) {
                throw new IOException(file + " holds data but no format version record: it is not a raftkit"
                        + " log store, or it is damaged");
            }
            return 0;
        });
        if (stamped < FORMAT_VERSION) {
            env.write(txn -> {
                env.meta().put(txn, MetaRecords.FORMAT, MetaRecords.encodeFormat(FORMAT_VERSION));
                return null;
            });
        }
        return env.read(txn -> readView(env, txn));
    }

    /**
     * Locks the store in {@code dataDir} against every other store and verifier, in this JVM or
     * another, until the returned channel is closed.
     *
     * @throws IOException if it is in use
     */
    static FileChannel lock(Path dataDir) throws IOException {
        Path lockFile = dataDir.resolve(LOCK_FILE);
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
