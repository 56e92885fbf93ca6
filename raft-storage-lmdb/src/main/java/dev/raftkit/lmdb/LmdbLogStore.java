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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
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
 * of the new log start, and a snapshot's publication a record of the snapshot (a
 * {@link JournalRecord}). What the records say and LMDB does not yet is kept in memory as an
 * {@link Overlay} that reads consult before LMDB: entries that replace LMDB's from its first index
 * on, a hard state, a log start (LMDB still holds the entries up to it, which no read asks for), and
 * the latest snapshot. A checkpoint moves the overlay into LMDB in one fully synced write transaction
 * (delete the entries from the overlay's first index on and those up to its log start, put its
 * entries, hard state and log start), then starts a new journal epoch, which makes the old records
 * obsolete. So a checkpoint moves only the entries still in the log, and compacted ones are deleted
 * without ever being put. It runs in the background, while writes go on into the journal's other
 * region, once an epoch's records take half of its region; and in the writer's thread before a
 * record larger than that (which is then written to LMDB directly), and before {@link #reset}
 * (see {@link LmdbStorage}). At open, the records of the epochs after the one LMDB's journal mark
 * names are composed into an overlay, in order, independently of LMDB
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
 * <h2>Hosts</h2>
 * The same class is each group's store on a {@link LmdbHostLogStore}: there it is one
 * {@link Keyspace} of the host's environment, writes through the host's shared {@link LmdbStorage}
 * (one journal for all groups) and keeps its snapshots in a directory of its own; its errors name
 * the group.
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

    private final LmdbStorage storage;
    private final LmdbEnvironment env;
    private final Keyspace keys;
    private final SnapshotFiles snapshots;
    private final boolean ownsStorage;
    /** The data file and, on a host, the group: what messages name. */
    private final String where;
    /** What readers see; replaced, never modified, by the writer. */
    private volatile Views views;
    private volatile boolean closed;

    /**
     * The log as of LMDB generation {@code generation} plus the overlay: entries
     * {@code [start.index + 1, last]}, those from {@code overlay.first()} on in the overlay.
     */
    record View(long generation, LogStart start, long last, Overlay overlay) {
        long first() {
            return start.index() + 1;
        }

        /** Returns this view after a persist of {@code state} and {@code entries} to the journal. */
        View persisted(HardState state, List<LogEntry> entries) {
            return new View(generation, start, lastAfter(entries), overlay.with(state, entries));
        }

        /** Returns this view's bounds after a persist of {@code entries}, to check the next persist against. */
        View extended(List<LogEntry> entries) {
            return new View(generation, start, lastAfter(entries), overlay);
        }

        private long lastAfter(List<LogEntry> entries) {
            return entries.isEmpty() ? last : entries.get(entries.size() - 1).index();
        }

        /** Returns this view after a snapshot's publication recorded in the journal. */
        View snapshotPublished(SnapshotRecord record) {
            return new View(generation, start, last, overlay.withSnapshot(record));
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
     * While a checkpoint moves the log's overlay in the background, journal writes update both.
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

    LmdbLogStore(LmdbStorage storage, Keyspace keys, SnapshotFiles snapshots, View view, boolean ownsStorage) {
        this.storage = storage;
        this.env = storage.env();
        this.keys = keys;
        this.snapshots = snapshots;
        this.ownsStorage = ownsStorage;
        this.where = keys.describe(env.dataFile());
        this.views = new Views(view, null);
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
        LmdbStorage storage = LmdbStorage.open(dataDir, parsed, false);
        try {
            LmdbLogStore store = storage.openLog(Keyspace.NONE, dataDir.resolve(SNAPSHOT_DIR), true);
            View view = store.current();
            LOG.info("LMDB log store opened in {}: first index {}, last index {}, lmdb.sync={}", dataDir, view.first(),
                    view.last(), parsed.sync().name().toLowerCase(Locale.ROOT));
            return store;
        } catch (IOException | RuntimeException e) {
            storage.close();
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
            byte[] value = env.meta().get(txn, keys.meta(MetaRecords.HARD_STATE));
            return value == null ? HardState.INITIAL : MetaRecords.decodeHardState(value, env.dataFile());
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
                        + ", " + view.last() + "] of " + where);
            }
            if (index == view.start().index()) {
                return view.start().term();
            }
            if (index >= view.overlay().first()) {
                return view.overlay().get(index).term();
            }
            return EntryCodec.term(index, requireEntry(txn, index), env.dataFile());
        });
    }

    @Override
    public List<LogEntry> entries(long from, long to, long maxBytes) throws IOException {
        checkOpen();
        return read((txn, view) -> {
            if (from < view.first() || to > view.last() + 1 || to < from || maxBytes < 1) {
                throw new IllegalArgumentException("entries(" + from + ", " + to + ", " + maxBytes
                        + ") is outside the log [" + view.first() + ", " + view.last() + "] of " + where
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
     * <p>With {@code lmdb.sync=full}: one record appended to the journal and synced. Once the
     * journal's current half is half used, the next write starts the other half (one more sync) and
     * a background thread checkpoints what the first holds; a write waits for that checkpoint only
     * if the other half fills before it ends. A batch whose record would take more than a quarter
     * of the journal is checkpointed and written to LMDB directly.
     */
    @Override
    public void persist(HardState hardState, List<LogEntry> entries) throws IOException {
        Objects.requireNonNull(entries, "entries");
        checkOpen();
        storage.persist(List.of(new LmdbStorage.Write(this, hardState, entries)));
    }

    /**
     * {@inheritDoc}
     *
     * <p>With {@code lmdb.sync=full}: one small record appended to the journal and synced; the
     * compacted entries stay in LMDB, unseen, until the next checkpoint deletes them.
     */
    @Override
    public void compact(long throughIndex) throws IOException {
        checkOpen();
        storage.checkWritable();
        View before = views.current();
        if (throughIndex > before.last()) {
            throw new IllegalArgumentException("compact(" + throughIndex + ") is beyond the last index "
                    + before.last() + " of " + where);
        }
        if (throughIndex < before.first()) {
            return;
        }
        storage.compact(this, new LogStart(throughIndex, term(throughIndex)));
    }

    /** {@inheritDoc} Checkpoints the journal first, if it holds records. */
    @Override
    public void reset(long index, long term) throws IOException {
        if (index < 0 || term < 0 || (index == 0) != (term == 0)) {
            throw new IllegalArgumentException("reset(" + index + ", " + term
                    + "): index and term must be >= 0, and term is 0 exactly when index is 0");
        }
        checkOpen();
        storage.reset(this, new LogStart(index, term));
    }

    @Override
    public SnapshotWriter beginSnapshot(long index, long term, Membership membership) throws IOException {
        Objects.requireNonNull(membership, "membership");
        if (index < 1 || term < 1) {
            throw new IllegalArgumentException("beginSnapshot: index and term must be >= 1, were "
                    + index + " and " + term);
        }
        checkOpen();
        storage.checkWritable();
        return new LmdbSnapshotWriter(snapshots.createTemp(index), (temp, size, crc) -> {
            SnapshotMeta meta = new SnapshotMeta(index, term, membership, size, crc);
            publishSnapshot(temp, meta);
            return meta;
        });
    }

    @Override
    public Optional<SnapshotMeta> latestSnapshot() throws IOException {
        checkOpen();
        return read(this::latestSnapshotRecord).map(SnapshotRecord::meta);
    }

    @Override
    public InputStream openSnapshot(SnapshotMeta meta) throws IOException {
        Objects.requireNonNull(meta, "meta");
        checkOpen();
        Optional<SnapshotRecord> latest = read(this::latestSnapshotRecord);
        if (latest.isEmpty() || !latest.get().meta().equals(meta)) {
            throw new IOException("snapshot " + meta + " is no longer stored in " + where
                    + latest.map(r -> " (latest is " + r.meta() + ")").orElse(" (there is none)"));
        }
        String fileName = latest.get().fileName();
        return snapshots.open(fileName, meta.sizeBytes(), meta.crc32c());
    }

    /**
     * Closes the store. A single node's store closes the environment (waiting for running reads) and
     * the journal, and releases the directory; a host's group releases the group, after a
     * checkpoint if the journal holds its records. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsStorage) {
            storage.close();
        } else {
            storage.release(this);
        }
    }

    @Override
    public String toString() {
        return "LmdbLogStore[" + where + "]";
    }

    // ---- The storage's access to the log ---------------------------------------------------------

    /** Returns the log's keyspace. */
    Keyspace keys() {
        return keys;
    }

    /** Returns what messages name: the data file and, on a host, the group. */
    String where() {
        return where;
    }

    /** Returns the current view; only the storage's writer (under its write lock) may act on it. */
    View current() {
        return views.current();
    }

    /** Publishes {@code next} as the view an LMDB write that is about to run (or running) produces. */
    void publishing(View next) {
        views = new Views(views.current(), next);
    }

    /** Publishes the view the LMDB write that committed produced as the current view. */
    void published() {
        views = new Views(views.next(), null);
    }

    /**
     * Publishes the views after a write to the journal: {@code change} of the current view and, while
     * an LMDB write of the log runs in the background, of the view it produces.
     */
    void update(UnaryOperator<View> change) {
        Views seen = views;
        views = new Views(change.apply(seen.current()), seen.next() == null ? null : change.apply(seen.next()));
    }

    // ---- Writing helpers ------------------------------------------------------------------------

    /** Work on a write transaction. */
    @FunctionalInterface
    interface LogWrite {
        /**
         * Does the work.
         *
         * @throws IOException if a record read on the way is damaged
         */
        void run(Txn<byte[]> txn) throws IOException;
    }

    /**
     * Returns the work of moving {@code overlay} into the log of {@code keys} in LMDB: LMDB's entries
     * from its first index on are replaced by its entries; if it has a log start above LMDB's, that
     * start is stored and the entries up to it are deleted (a start not above LMDB's changes
     * nothing); its hard state, if any, replaces LMDB's. The entries are encoded when it runs, so a
     * checkpoint in the background encodes them there, not in the writer's thread.
     */
    static LogWrite logWrite(LmdbEnvironment env, Keyspace keys, Overlay overlay) {
        return txn -> {
            LogStart start = readLogStart(env, keys, txn);
            if (overlay.start() != null && overlay.start().index() > start.index()) {
                start = overlay.start();
                env.meta().put(txn, keys.meta(MetaRecords.LOG_START), MetaRecords.encodeLogStart(start));
            }
            try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
                long found = keys.firstIndex(cursor);
                long first = found < 0 ? Long.MAX_VALUE : found;
                long last = found < 0 ? Long.MIN_VALUE : keys.lastIndex(cursor);
                deleteEntries(keys, cursor, Math.max(first, overlay.first()), last);
                deleteEntries(keys, cursor, first, Math.min(start.index(), last));
            }
            // Every key from the overlay's first index on was just deleted, so each put appends
            // within the keyspace: MDB_APPEND (which needs the largest key of the database) only
            // where no keyspace sorts after this one, as for a single node. Entries at or below the
            // log start are not stored.
            PutFlags[] flags = keys.group() == null ? new PutFlags[] {PutFlags.MDB_APPEND} : new PutFlags[0];
            List<LogEntry> entries = overlay.entries();
            for (int i = (int) Math.max(0, start.index() + 1 - overlay.first()); i < entries.size(); i++) {
                env.entries().put(txn, keys.entry(overlay.first() + i), EntryCodec.encode(entries.get(i)), flags);
            }
            if (overlay.hardState() != null) {
                env.meta().put(txn, keys.meta(MetaRecords.HARD_STATE), MetaRecords.encodeHardState(overlay.hardState()));
            }
            if (overlay.snapshot() != null) {
                env.meta().put(txn, keys.meta(MetaRecords.SNAPSHOT), MetaRecords.encodeSnapshot(overlay.snapshot()));
            }
        };
    }

    /** Returns the work of emptying the log of {@code keys} to continue after {@code start}. */
    static LogWrite resetWrite(LmdbEnvironment env, Keyspace keys, LogStart start) {
        return txn -> {
            deleteEveryEntry(env, keys, txn);
            env.meta().put(txn, keys.meta(MetaRecords.LOG_START), MetaRecords.encodeLogStart(start));
        };
    }

    /** Deletes every record of the log of {@code keys}, which is a group's: its entries and its meta records. */
    static void deleteAll(LmdbEnvironment env, Keyspace keys, Txn<byte[]> txn) {
        deleteEveryEntry(env, keys, txn);
        for (byte[] name : MetaRecords.LOG_RECORDS) {
            env.meta().delete(txn, keys.meta(name));
        }
    }

    /** Deletes every entry of the log of {@code keys}: the whole database for a single node. */
    private static void deleteEveryEntry(LmdbEnvironment env, Keyspace keys, Txn<byte[]> txn) {
        if (keys.group() == null) {
            env.entries().drop(txn);
            return;
        }
        try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
            long first = keys.firstIndex(cursor);
            if (first >= 0) {
                deleteEntries(keys, cursor, first, keys.lastIndex(cursor));
            }
        }
    }

    /**
     * Deletes LMDB's entries {@code [from, to]} of {@code keys} (none if {@code to < from}), walking
     * them with {@code cursor}: one search for the first, then each delete leaves the cursor on the
     * entry that followed, rather than a search from the root for every key.
     */
    private static void deleteEntries(Keyspace keys, Cursor<byte[]> cursor, long from, long to) {
        if (to < from || !cursor.get(keys.entry(from), GetOp.MDB_SET_RANGE)) {
            return;
        }
        while (keys.holds(cursor.key()) && keys.index(cursor.key()) <= to) {
            cursor.delete();
            if (!cursor.next()) { // after a delete, the next entry is the one that followed the deleted one
                return;
            }
        }
    }

    /**
     * Returns why the records that compose to {@code overlay} cannot apply to LMDB's log
     * {@code lmdb}, or null if they can: its entries must leave no gap after LMDB's or after its
     * log start, and its log start must not lie beyond the log's last entry.
     */
    static String misfit(View lmdb, Overlay overlay) {
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
        checkOpen();
        storage.checkWritable();
        String published = storage.guardWrite(() -> {
            String fileName = snapshots.publish(temp);
            try {
                storage.recordSnapshot(this, new SnapshotRecord(meta, fileName));
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
        try {
            while (true) {
                Views seen = views;
                Optional<R> result = env.read(txn -> {
                    View view = seen.of(readGeneration(env, keys, txn));
                    return view == null ? Optional.empty() : Optional.of(work.run(txn, view));
                });
                if (result.isPresent()) {
                    return result.get();
                }
            }
        } catch (IOException e) {
            throw keys.named(e);
        }
    }

    /** Returns the latest snapshot's record: the journal's, if it holds one not yet in LMDB, else LMDB's. */
    private Optional<SnapshotRecord> latestSnapshotRecord(Txn<byte[]> txn, View view) throws IOException {
        SnapshotRecord journaled = view.overlay().snapshot();
        return journaled != null ? Optional.of(journaled) : readSnapshot(env, keys, txn);
    }

    /** Adds the entries {@code [from, to)} from LMDB to {@code batch}, until it is full. */
    private void readFromLmdb(Txn<byte[]> txn, long from, long to, Batch batch) throws IOException {
        try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
            boolean found = cursor.get(keys.entry(from), GetOp.MDB_SET_KEY);
            for (long index = from; index < to; index++) {
                if (!found || !Arrays.equals(cursor.key(), keys.entry(index))) {
                    throw missing(index);
                }
                if (!batch.add(EntryCodec.decode(index, cursor.val(), env.dataFile()))) {
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

    private static long readGeneration(LmdbEnvironment env, Keyspace keys, Txn<byte[]> txn) throws IOException {
        byte[] value = env.meta().get(txn, keys.meta(MetaRecords.GENERATION));
        return value == null ? 0 : MetaRecords.decodeGeneration(value, env.dataFile());
    }

    private byte[] requireEntry(Txn<byte[]> txn, long index) throws IOException {
        byte[] value = env.entries().get(txn, keys.entry(index));
        if (value == null) {
            throw missing(index);
        }
        return value;
    }

    private IOException missing(long index) {
        return new IOException("entry " + index + " is missing from " + where + " though the log should hold it");
    }

    /** Reads the view of the log of {@code keys} in LMDB, with an empty overlay. */
    static View readView(LmdbEnvironment env, Keyspace keys, Txn<byte[]> txn) throws IOException {
        LogStart start = readLogStart(env, keys, txn);
        try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
            long found = keys.lastIndex(cursor);
            long last = found < 0 ? start.index() : found;
            if (last < start.index()) {
                throw new IOException("the last entry " + last + " in " + keys.describe(env.dataFile())
                        + " lies before the log start " + start.index() + ": the store is damaged");
            }
            return new View(readGeneration(env, keys, txn), start, last, Overlay.EMPTY);
        }
    }

    static LogStart readLogStart(LmdbEnvironment env, Keyspace keys, Txn<byte[]> txn) throws IOException {
        byte[] value = env.meta().get(txn, keys.meta(MetaRecords.LOG_START));
        return value == null ? LogStart.EMPTY : MetaRecords.decodeLogStart(value, env.dataFile());
    }

    static Optional<SnapshotRecord> readSnapshot(LmdbEnvironment env, Keyspace keys, Txn<byte[]> txn)
            throws IOException {
        byte[] value = env.meta().get(txn, keys.meta(MetaRecords.SNAPSHOT));
        return value == null ? Optional.empty() : Optional.of(MetaRecords.decodeSnapshot(value, env.dataFile()));
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("lmdb log store " + where + " is closed");
        }
    }
}
