package dev.raftkit.lmdb;

import dev.raftkit.lmdb.JournalPayload.Part;
import dev.raftkit.lmdb.LmdbLogStore.LogWrite;
import dev.raftkit.lmdb.LmdbLogStore.View;
import dev.raftkit.lmdb.MetaRecords.JournalMark;
import dev.raftkit.lmdb.MetaRecords.LogStart;
import dev.raftkit.lmdb.MetaRecords.SnapshotRecord;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One LMDB environment and its journal, shared by the logs stored in it: a single node's store
 * holds one log ({@link Keyspace#NONE}), a host's store one log per group ({@link Keyspace#of}).
 * It owns what their writes share: the lock on the data directory, the journal and its checkpoints,
 * a write lock that orders every write of the journal and of the logs' views, and the fail-stop
 * state (after a failed write, no log of it is written again until it is reopened).
 *
 * <p>A write of several logs ({@link #persist}) is one journal record ({@link JournalPayload}) and
 * one sync, or, without a journal or for a record larger than half of an epoch's region, one LMDB
 * transaction: either way it is durable, and after a crash present, for every log at once or for
 * none.
 *
 * <h2>Checkpoints</h2>
 * Once the current epoch's records take more than half of its region, the writer starts the next
 * epoch (one header sync) and hands the overlays of the epoch that ended to a background thread,
 * which moves them into LMDB in one transaction that also sets the journal mark to that epoch
 * (a {@link Move}); persists go on meanwhile, into the next epoch. Only when that epoch's region is
 * full before the move ended does a persist wait for it. While a log's overlay moves, the log has
 * two views: its current one (LMDB, then everything the journal holds) and the one the move
 * produces (LMDB with the moved overlay, then the records since), and every write updates both,
 * so a reader whose transaction sees the move committed reads the second. A crash during a move
 * leaves the mark two epochs behind the journal's, and the next open replays both epochs. A
 * synchronous checkpoint (after any move ended) moves every overlay, then starts a new epoch: it
 * comes before a record too large for the journal, before {@link #reset}, and when a log that
 * closes holds records in the journal (else the next checkpoint, which no longer sees it, would
 * make its records obsolete). So LMDB is written around the journal only while no move runs and
 * the journal's current epoch holds no record, and replaying the epochs after the mark composes
 * records written one after the other.
 *
 * <p>The format version: a single node's store is stamped {@link LmdbLogStore#FORMAT_VERSION}, a
 * host's {@link #HOST_FORMAT_VERSION} with a {@link MetaRecords#HOST} record, so that neither
 * opens the other's files, nor does older code open a host's.
 */
final class LmdbStorage implements AutoCloseable {

    /** The format version of a host's store: version 4's records, under group-prefixed keys. */
    static final int HOST_FORMAT_VERSION = 5;

    private static final Logger LOG = LoggerFactory.getLogger(LmdbStorage.class);

    /**
     * One log's part of a {@link #persist}.
     *
     * @param log the log
     * @param hardState its new hard state, or null to keep the current one
     * @param entries its entries to append
     */
    record Write(LmdbLogStore log, HardState hardState, List<LogEntry> entries) {
    }

    /** One log's part of an LMDB write: the view it produces and the work that writes it. */
    private record Change(LmdbLogStore log, View next, LogWrite write) {
    }

    /**
     * The overlays of an ended journal epoch, moving into LMDB in the background.
     *
     * @param changes each log's overlay as the epoch ended
     * @param epoch the epoch, which the journal mark names once they are in LMDB
     */
    private record Move(List<Change> changes, long epoch) {
    }

    private final Path dataDir;
    private final LmdbEnvironment env;
    /** The journal, or null unless {@code lmdb.sync=full}. */
    private final Journal journal;
    private final FileChannel lockChannel;
    private final boolean tagged;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Signalled when a move ends; guarded by {@link #writeLock}. */
    private final Condition moveEnded = writeLock.newCondition();
    /** The move running, or null; guarded by {@link #writeLock}. */
    private Move moving;
    /** The open logs, by keyspace; guarded by {@link #writeLock}. */
    private final Map<Keyspace, LmdbLogStore> logs = new HashMap<>();
    private volatile IOException failure;
    private boolean closed;

    private LmdbStorage(Path dataDir, LmdbEnvironment env, Journal journal, FileChannel lockChannel, boolean tagged) {
        this.dataDir = dataDir;
        this.env = env;
        this.journal = journal;
        this.lockChannel = lockChannel;
        this.tagged = tagged;
    }

    /**
     * Opens (creating if needed) the environment and journal under {@code dataDir}, moving the
     * journal's records into LMDB.
     *
     * @param host whether it is a host's store (group-prefixed keys, tagged journal)
     * @throws IOException as {@link LmdbLogStore#open} describes, or if it is the other kind of store
     */
    static LmdbStorage open(Path dataDir, LmdbOptions options, boolean host) throws IOException {
        if (options.sync() != LmdbOptions.SyncMode.FULL) {
            LOG.warn("lmdb.sync={} for {}: acknowledged writes can be lost on power loss",
                    options.sync().name().toLowerCase(Locale.ROOT), dataDir);
        }
        Path envDir = Files.createDirectories(dataDir.resolve(LmdbLogStore.ENV_DIR));
        Path journalFile = envDir.resolve(LmdbLogStore.JOURNAL_FILE);
        FileChannel lockChannel = lock(dataDir);
        LmdbEnvironment env;
        try {
            refuseLostEnvironment(envDir.resolve(LmdbEnvironment.DATA_FILE), journalFile,
                    dataDir.resolve(LmdbLogStore.SNAPSHOT_DIR));
            env = LmdbEnvironment.open(envDir, options);
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        Journal journal = null;
        try {
            checkFormat(env, host);
            if (options.sync() == LmdbOptions.SyncMode.FULL || Files.exists(journalFile)
                    || env.read(txn -> readJournalMark(env, txn)) != null) {
                journal = openJournal(env, journalFile, options, host);
            }
            return new LmdbStorage(dataDir, env, journal, lockChannel, host);
        } catch (IOException | RuntimeException e) {
            if (journal != null) {
                journal.close();
            }
            env.close();
            lockChannel.close();
            throw e;
        }
    }

    /** Returns the environment. */
    LmdbEnvironment env() {
        return env;
    }

    /** Returns the data directory. */
    Path dataDir() {
        return dataDir;
    }

    /**
     * Opens the log of {@code keys}, whose snapshots live in {@code snapshotDir}. It writes nothing:
     * a group's log is registered by its first durable write ({@link #stamp}), so opening N new
     * groups costs N reads and no sync.
     *
     * @param ownsStorage whether closing the log closes this storage (a single node's store)
     * @throws IllegalStateException if that log is open already, or this storage is closed
     * @throws IOException if it cannot be read, or this storage failed
     */
    LmdbLogStore openLog(Keyspace keys, Path snapshotDir, boolean ownsStorage) throws IOException {
        writeLock.lock();
        try {
            checkOpen();
            if (logs.containsKey(keys)) {
                throw new IllegalStateException("the lmdb log store of " + keys + " in " + dataDir + " is open already");
            }
            checkWritable();
            SnapshotFiles snapshots = new SnapshotFiles(snapshotDir);
            View view = env.read(txn -> LmdbLogStore.readView(env, keys, txn));
            snapshots.removeAllBut(env.read(txn -> LmdbLogStore.readSnapshot(env, keys, txn))
                    .map(MetaRecords.SnapshotRecord::fileName).orElse(null));
            LmdbLogStore log = new LmdbLogStore(this, keys, snapshots, view, ownsStorage);
            logs.put(keys, log);
            return log;
        } catch (IOException e) {
            throw keys.named(e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Releases the log {@code log}, which was closed: if its overlay holds records, checkpoints
     * first (unless this storage failed: then they stay in the journal for the next open).
     *
     * @throws IOException if the checkpoint fails
     */
    void release(LmdbLogStore log) throws IOException {
        writeLock.lock();
        try {
            if (logs.get(log.keys()) != log) {
                return;
            }
            try {
                awaitMove();
                if (!closed && failure == null && journal != null && !log.current().overlay().isEmpty()) {
                    checkpoint();
                }
            } finally {
                logs.remove(log.keys());
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Returns the open logs whose overlay holds records: those with data in the journal that is not
     * yet in LMDB (for a group, possibly its registration too; see {@link #stamp}).
     */
    List<Keyspace> logsWithJournalRecords() {
        writeLock.lock();
        try {
            List<Keyspace> journaled = new ArrayList<>();
            logs.forEach((keys, log) -> {
                if (!log.current().overlay().isEmpty()) {
                    journaled.add(keys);
                }
            });
            return journaled;
        } finally {
            writeLock.unlock();
        }
    }

    /** Returns the open log of {@code keys}, or null. */
    LmdbLogStore log(Keyspace keys) {
        writeLock.lock();
        try {
            return logs.get(keys);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Makes {@code writes} durable together: one journal record and one sync (or one LMDB
     * transaction); see the class comment.
     *
     * @throws IllegalArgumentException if a write names a log that is not open, or its entries do
     *     not fit its log (after the earlier writes of the call); nothing is stored then
     * @throws IOException if they cannot be made durable
     */
    void persist(List<Write> writes) throws IOException {
        writeLock.lock();
        try {
            checkWritable();
            checkFits(writes);
            if (journal == null) {
                writeToLmdb(writes);
                return;
            }
            List<Part> parts = new ArrayList<>(writes.size());
            for (Write write : writes) {
                parts.add(new Part(write.log().keys(), new PersistRecord(write.hardState(), write.entries())));
            }
            byte[] payload = JournalPayload.encode(parts, tagged);
            if (Journal.recordBytes(payload.length) > journal.recordCapacity() / 2) {
                checkpointIfUsed();
                writeToLmdb(writes);
                return;
            }
            appendToJournal(payload);
            for (Write write : writes) {
                write.log().update(view -> view.persisted(write.hardState(), write.entries()));
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Checks every write names an open log and fits it after the writes before it. */
    private void checkFits(List<Write> writes) {
        Map<LmdbLogStore, View> after = new IdentityHashMap<>();
        for (Write write : writes) {
            LmdbLogStore log = write.log();
            if (logs.get(log.keys()) != log) {
                throw new IllegalArgumentException("persist names " + log.keys() + ", which is not open in the lmdb"
                        + " log store in " + dataDir + "; nothing of the call was stored");
            }
            View view = after.getOrDefault(log, log.current());
            String misfit = view.misfit(write.entries());
            if (misfit != null) {
                throw new IllegalArgumentException("persist: " + misfit + " of " + log.where()
                        + (writes.size() > 1 ? "; nothing of the call was stored" : ""));
            }
            after.put(log, view.extended(write.entries()));
        }
    }

    /** Persists {@code writes} in one LMDB transaction. */
    private void writeToLmdb(List<Write> writes) throws IOException {
        Map<LmdbLogStore, Overlay> composed = new LinkedHashMap<>();
        for (Write write : writes) {
            composed.put(write.log(), composed.getOrDefault(write.log(), Overlay.EMPTY)
                    .with(write.hardState(), write.entries()));
        }
        List<Change> changes = new ArrayList<>(composed.size());
        composed.forEach((log, overlay) -> {
            View current = log.current();
            long last = overlay.end() == Long.MAX_VALUE ? current.last() : overlay.end() - 1;
            changes.add(new Change(log, current.written(current.start(), last),
                    LmdbLogStore.logWrite(env, log.keys(), overlay)));
        });
        commit(changes, null);
    }

    /** Durably compacts {@code log} to {@code start}, which lies in its log. */
    void compact(LmdbLogStore log, LogStart start) throws IOException {
        writeLock.lock();
        try {
            checkWritable();
            writeRecord(log, new CompactRecord(start), view -> view.compacted(start));
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Durably records {@code snapshot} as the latest of {@code log}: one journal record, so it never
     * waits for a checkpoint's LMDB transaction.
     *
     * @throws IllegalStateException if this storage or the log was closed meanwhile
     */
    void recordSnapshot(LmdbLogStore log, SnapshotRecord snapshot) throws IOException {
        writeLock.lock();
        try {
            checkOpen();
            if (logs.get(log.keys()) != log) {
                throw new IllegalStateException(log.where() + " is closed: its snapshot " + snapshot.fileName()
                        + " was not recorded");
            }
            checkWritable();
            writeRecord(log, new SnapshotJournalRecord(snapshot), view -> view.snapshotPublished(snapshot));
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Durably writes {@code record} of {@code log}, whose view it changes by {@code change}: one
     * journal record, or without a journal one LMDB transaction of what the record holds.
     */
    private void writeRecord(LmdbLogStore log, JournalRecord record, UnaryOperator<View> change) throws IOException {
        if (journal == null) {
            View before = log.current();
            View after = change.apply(before);
            commit(List.of(new Change(log, before.written(after.start(), after.last()),
                    LmdbLogStore.logWrite(env, log.keys(), record.applyTo(Overlay.EMPTY)))), null);
            return;
        }
        appendToJournal(JournalPayload.encode(List.of(new Part(log.keys(), record)), tagged));
        log.update(change);
    }

    /** Durably empties {@code log} to continue after {@code start}, after a checkpoint if the journal holds records. */
    void reset(LmdbLogStore log, LogStart start) throws IOException {
        writeLock.lock();
        try {
            checkWritable();
            checkpointIfUsed();
            commit(List.of(new Change(log, log.current().written(start, start.index()),
                    LmdbLogStore.resetWrite(env, log.keys(), start))), null);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Durably deletes every record of the closed log {@code keys} in one LMDB transaction (its
     * records never remain in the journal's current epoch: a log is checkpointed when it closes and
     * at open).
     *
     * @throws IllegalStateException if the log is open
     * @throws IOException if it fails
     */
    void delete(Keyspace keys) throws IOException {
        writeLock.lock();
        try {
            checkOpen();
            if (logs.containsKey(keys)) {
                throw new IllegalStateException(keys + " is open in the lmdb log store in " + dataDir
                        + ": close it before deleting it");
            }
            checkWritable();
            guardWrite(() -> env.write(txn -> {
                LmdbLogStore.deleteAll(env, keys, txn);
                return null;
            }));
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Appends a record of at most half a region to the journal and syncs it. If the current epoch
     * is more than half full and no move runs, it first starts the next epoch and a move of this
     * one; if the record does not fit, it first waits for the move running, if any, and starts one.
     */
    private void appendToJournal(byte[] payload) throws IOException {
        if (moving == null && journal.usedBytes() > journal.recordCapacity() / 2) {
            beginMove();
        }
        while (!journal.fits(payload.length)) {
            if (moving != null) {
                awaitMove();
                checkWritable();
            } else {
                beginMove();
            }
        }
        guardWrite(() -> {
            journal.append(payload);
            return null;
        });
    }

    /**
     * Starts the next journal epoch and a thread that moves the overlays of the one that ended into
     * LMDB ({@link #finishMove}). Called with no move running.
     */
    private void beginMove() throws IOException {
        List<Change> changes = changesOfOverlays();
        guardWrite(() -> {
            journal.beginEpoch();
            return null;
        });
        for (Change change : changes) {
            change.log().publishing(change.next());
        }
        Move move = new Move(changes, journal.epoch() - 1);
        moving = move;
        Thread mover = new Thread(() -> finishMove(move), "raftkit-lmdb-checkpoint " + dataDir.getFileName());
        mover.setDaemon(true);
        mover.start();
    }

    /**
     * Writes the overlays of {@code move} and its journal mark in one LMDB transaction, then (under
     * the write lock) publishes each log's next view and ends the move. If the write fails, the
     * storage fails: the records stay in the journal, and the next open moves them.
     */
    private void finishMove(Move move) {
        boolean written = false;
        try {
            writeChanges(move.changes(), new JournalMark(journal.id(), move.epoch()));
            written = true;
        } catch (IOException | RuntimeException e) {
            if (e instanceof RuntimeException) { // an IOException already failed the storage (guardWrite)
                failure = new IOException("moving the journal's records into " + env.dataFile() + " failed", e);
            }
            LOG.error("lmdb log store {}: moving the journal's records into LMDB failed; it refuses writes until"
                    + " reopened", env.dataFile(), e);
        }
        writeLock.lock();
        try {
            if (written) {
                for (Change change : move.changes()) {
                    change.log().published();
                }
            }
            moving = null;
            moveEnded.signalAll();
        } finally {
            writeLock.unlock();
        }
    }

    /** Waits, with the write lock released meanwhile, until no move runs. */
    private void awaitMove() {
        while (moving != null) {
            moveEnded.awaitUninterruptibly();
        }
    }

    /** Checkpoints the journal if it holds records, after the move running, if any. */
    private void checkpointIfUsed() throws IOException {
        if (journal == null) {
            return;
        }
        awaitMove();
        checkWritable();
        if (journal.usedBytes() > 0) {
            checkpoint();
        }
    }

    /**
     * Moves every open log's overlay into LMDB, marking the journal's current epoch as
     * checkpointed, and starts a new journal epoch; see {@link LmdbLogStore}. Called with no move
     * running.
     */
    private void checkpoint() throws IOException {
        commit(changesOfOverlays(), new JournalMark(journal.id(), journal.epoch()));
        guardWrite(() -> {
            journal.beginEpoch();
            return null;
        });
    }

    /** Returns the LMDB write of every open log's overlay that is not empty. */
    private List<Change> changesOfOverlays() {
        List<Change> changes = new ArrayList<>();
        for (LmdbLogStore log : logs.values()) {
            View current = log.current();
            if (!current.overlay().isEmpty()) {
                changes.add(new Change(log, current.written(current.start(), current.last()),
                        LmdbLogStore.logWrite(env, log.keys(), current.overlay())));
            }
        }
        return changes;
    }

    /**
     * Writes {@code changes} (and {@code mark}, if not null) in one LMDB transaction that also
     * raises each log's generation to its next view's, publishing each next view while it runs and
     * as the log's current view once it committed.
     */
    private void commit(List<Change> changes, JournalMark mark) throws IOException {
        for (Change change : changes) {
            change.log().publishing(change.next());
        }
        writeChanges(changes, mark);
        for (Change change : changes) {
            change.log().published();
        }
    }

    /** Writes {@code changes} and {@code mark}, if not null, in one LMDB transaction; see {@link #commit}. */
    private void writeChanges(List<Change> changes, JournalMark mark) throws IOException {
        byte[] markValue = mark == null ? null : MetaRecords.encodeJournalMark(mark);
        guardWrite(() -> env.write(txn -> {
            for (Change change : changes) {
                change.write().run(txn);
                stamp(env, change.log().keys(), txn, change.next().generation());
            }
            if (markValue != null) {
                env.meta().put(txn, MetaRecords.JOURNAL, markValue);
            }
            return null;
        }));
    }

    /**
     * Writes what every LMDB write of a log carries: its new generation and, for a group's log, its
     * {@link MetaRecords#GROUP} record, which registers the group. So a group is registered in LMDB
     * by the same transaction that first writes its data there, both when a write goes straight to
     * LMDB and when its journal record moves there (a checkpoint, or the replay at open); a group
     * whose data is only in the journal is registered by that journal record, durable with it. Hence a group's registration
     * is durable no later than its first durable write, before which the group has acknowledged
     * nothing (its store was only read), and a group opened but never written leaves no trace.
     */
    private static void stamp(LmdbEnvironment env, Keyspace keys, Txn<byte[]> txn, long generation) {
        env.meta().put(txn, keys.meta(MetaRecords.GENERATION), MetaRecords.encodeGeneration(generation));
        if (keys.group() != null) {
            env.meta().put(txn, keys.meta(MetaRecords.GROUP), MetaRecords.encodeGroup(keys.group()));
        }
    }

    /** An action whose I/O failure fails the storage for writing. */
    @FunctionalInterface
    interface Action<R> {
        /**
         * Runs it.
         *
         * @throws IOException if it fails
         */
        R run() throws IOException;
    }

    /** Runs {@code action}; if it fails with an {@link IOException}, every later write is refused. */
    <R> R guardWrite(Action<R> action) throws IOException {
        try {
            return action.run();
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    /**
     * Checks nothing failed.
     *
     * @throws IOException if a write failed earlier
     */
    void checkWritable() throws IOException {
        IOException failed = failure;
        if (failed != null) {
            throw new IOException("lmdb log store " + env.dataFile() + " refuses writes after an earlier failure;"
                    + " reopen it: " + failed.getMessage(), failed);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the lmdb log store in " + dataDir + " is closed");
        }
    }

    /**
     * Closes the environment (after the move running, if any, and waiting for running reads) and
     * the journal, and releases the directory. Idempotent.
     */
    @Override
    public void close() throws IOException {
        writeLock.lock();
        try {
            awaitMove();
            if (closed) {
                return;
            }
            closed = true;
            logs.clear();
        } finally {
            writeLock.unlock();
        }
        env.close();
        if (journal != null) {
            journal.close();
        }
        lockChannel.close();
    }

    // ---- Opening --------------------------------------------------------------------------------

    /**
     * Checks the format version, writing the current one into a new or older store: a single node's
     * store reads versions 1 to {@link LmdbLogStore#FORMAT_VERSION}, a host's only
     * {@link #HOST_FORMAT_VERSION}.
     */
    private static void checkFormat(LmdbEnvironment env, boolean host) throws IOException {
        Path file = env.dataFile();
        int stamped = env.read(txn -> {
            byte[] format = env.meta().get(txn, MetaRecords.FORMAT);
            boolean hostLayout = env.meta().get(txn, MetaRecords.HOST) != null;
            if (format != null) {
                int version = MetaRecords.decodeFormat(format, file);
                if (hostLayout != host) {
                    throw new IOException(file + (hostLayout ? " is a RaftHost's store (format version " + version
                            + "): open it with LogStoreProvider.openHost, not as a single node's store"
                            : " is a single node's store (format version " + version + "): a RaftHost cannot open"
                            + " it; give the host a data directory of its own"));
                }
                int newest = host ? HOST_FORMAT_VERSION : LmdbLogStore.FORMAT_VERSION;
                if (version > newest) {
                    throw new IOException(file + " was written by a newer raftkit (store format version " + version
                            + "); this version reads formats up to " + newest + ": upgrade raftkit to open it");
                }
                if (version < 1 || (host && version != HOST_FORMAT_VERSION)) {
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
        int current = host ? HOST_FORMAT_VERSION : LmdbLogStore.FORMAT_VERSION;
        if (stamped < current) {
            env.write(txn -> {
                env.meta().put(txn, MetaRecords.FORMAT, MetaRecords.encodeFormat(current));
                if (host) {
                    env.meta().put(txn, MetaRecords.HOST, MetaRecords.encodeFormat(HOST_FORMAT_VERSION));
                }
                return null;
            });
        }
    }

    /**
     * Opens (creating if needed) the journal, checks it is the one LMDB's journal mark names, and
     * moves its records into LMDB. With {@code lmdb.sync=full} it returns the journal, in a new
     * epoch and of the configured size; otherwise it deletes the journal and returns null.
     *
     * <p>Every step leaves a state the next open accepts if a crash follows it: a synchronous
     * checkpoint writes the mark before the journal moves to the next epoch, a move writes it after
     * (so the journal may be two epochs ahead, and then both epochs are replayed), a new journal is
     * created (empty) before the mark names it, and the mark is removed only after the journal was
     * emptied by a new epoch. So an open finds either the journal the mark names at the marked epoch
     * or one of the next two (one, for a journal of version 2), or no mark and a journal with no
     * records (left by a crash while one was created or removed) or of version 1 (a store of format
     * 3 or older). Anything else means records are lost or the files are not this store's, and open
     * refuses with {@link LmdbLogStore#RECOVERY}. The records of every log move into LMDB in one
     * transaction. A journal of an older version or another size is replaced by an empty one.
     */
    private static Journal openJournal(LmdbEnvironment env, Path file, LmdbOptions options, boolean tagged)
            throws IOException {
        boolean full = options.sync() == LmdbOptions.SyncMode.FULL;
        JournalMark mark = env.read(txn -> readJournalMark(env, txn));
        if (!Files.exists(file)) {
            if (mark != null) {
                throw new IOException("journal " + file + " is missing, but " + env.dataFile() + " expects "
                        + describe(mark) + ": the acknowledged writes recorded only in it are lost; "
                        + LmdbLogStore.RECOVERY);
            }
            return full ? createJournal(env, file, options.journalSize()) : null;
        }
        Journal journal = openExpected(file, mark, env.dataFile());
        try {
            boolean previousToo = mark != null && journal.epoch() == mark.epoch() + 2;
            Map<Keyspace, Overlay> overlays = replay(journal, tagged, previousToo);
            if (mark == null && !journal.legacy() && journal.usedBytes() > 0) {
                throw new IOException("journal " + file + " (id " + Long.toHexString(journal.id()) + ") holds records,"
                        + " but " + env.dataFile() + " expects no journal: it is another store's journal, or "
                        + env.dataFile() + " was replaced; " + LmdbLogStore.RECOVERY);
            }
            Map<Keyspace, View> views = new LinkedHashMap<>();
            for (Map.Entry<Keyspace, Overlay> replayed : overlays.entrySet()) {
                Keyspace keys = replayed.getKey();
                View view = env.read(txn -> LmdbLogStore.readView(env, keys, txn));
                String misfit = LmdbLogStore.misfit(view, replayed.getValue());
                if (misfit != null) {
                    throw new IOException("the records in journal " + file + (tagged ? " for " + keys : "")
                            + " do not continue the log in " + env.dataFile() + ": " + misfit);
                }
                views.put(keys, view);
            }
            JournalMark applied = mark == null ? null : new JournalMark(journal.id(), journal.epoch());
            if (!overlays.isEmpty() || (applied != null && !applied.equals(mark))) {
                byte[] markValue = applied == null ? null : MetaRecords.encodeJournalMark(applied);
                env.write(txn -> {
                    for (Map.Entry<Keyspace, Overlay> replayed : overlays.entrySet()) {
                        Keyspace keys = replayed.getKey();
                        LmdbLogStore.logWrite(env, keys, replayed.getValue()).run(txn);
                        stamp(env, keys, txn, views.get(keys).generation() + 1);
                    }
                    if (markValue != null) {
                        env.meta().put(txn, MetaRecords.JOURNAL, markValue);
                    }
                    return null;
                });
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
                emptied(journal, journal.sizeBytes()).close();
                env.write(txn -> env.meta().delete(txn, MetaRecords.JOURNAL));
                Journal.delete(file);
                return null;
            }
            return emptied(journal, options.journalSize());
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
    }

    /**
     * Returns {@code journal}, whose records LMDB holds, in a new epoch with no records: the same
     * file, or, if it is of an older version or not of {@code size} bytes, a new file of that size
     * with the same id, replacing it.
     */
    private static Journal emptied(Journal journal, long size) throws IOException {
        if (journal.outdated() || journal.sizeBytes() != size) {
            journal.close();
            return Journal.create(journal.file(), size, journal.id(), journal.epoch() + 1);
        }
        journal.beginEpoch();
        return journal;
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
                    + LmdbLogStore.RECOVERY, e);
        }
        String problem = mark == null ? null : mismatch(file, journal.header(), mark, dataFile);
        if (problem != null) {
            journal.close();
            throw new IOException(problem + "; " + LmdbLogStore.RECOVERY);
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
        if (journal.epoch() > mark.epoch() + Journal.epochsAhead(journal)) {
            return "journal " + file + " is at epoch " + journal.epoch() + ", but " + dataFile + " expects "
                    + describe(mark) + ": " + dataFile + " is an older copy, and the writes moved into it since are"
                    + " lost";
        }
        return null;
    }

    /** Describes the journal {@code mark} names, for error messages. */
    private static String describe(JournalMark mark) {
        return "journal id " + Long.toHexString(mark.id()) + " at epoch " + mark.epoch() + ", " + (mark.epoch() + 1)
                + " or " + (mark.epoch() + 2);
    }

    /**
     * Hands the journal's records to a new overlay per log, checking each follows the ones before.
     *
     * @param tagged whether the journal is a host's
     * @param previousToo whether the previous epoch's records are replayed first (the mark names the
     *     epoch before it)
     */
    static Map<Keyspace, Overlay> replay(Journal journal, boolean tagged, boolean previousToo) throws IOException {
        Path file = journal.file();
        Map<Keyspace, Overlay> replayed = new LinkedHashMap<>();
        journal.replay(previousToo, (offset, payload) -> {
            for (Part part : JournalPayload.decode(payload, tagged, file, offset)) {
                Overlay overlay = replayed.getOrDefault(part.keys(), Overlay.EMPTY);
                String misfit = part.record().misfit(overlay);
                if (misfit != null) {
                    throw new IOException("the journal record at offset " + offset + " of " + file
                            + (tagged ? " for " + part.keys() : "") + " does not follow the records before it: "
                            + misfit);
                }
                replayed.put(part.keys(), part.record().applyTo(overlay));
            }
        });
        return replayed;
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

    /** Reads the journal mark, or null if there is none. */
    static JournalMark readJournalMark(LmdbEnvironment env, Txn<byte[]> txn) throws IOException {
        byte[] value = env.meta().get(txn, MetaRecords.JOURNAL);
        return value == null ? null : MetaRecords.decodeJournalMark(value, env.dataFile());
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
                    + LmdbLogStore.RECOVERY);
        }
    }

    /**
     * Locks the store in {@code dataDir} against every other store and verifier, in this JVM or
     * another, until the returned channel is closed.
     *
     * @throws IOException if it is in use
     */
    static FileChannel lock(Path dataDir) throws IOException {
        Path lockFile = dataDir.resolve(LmdbLogStore.LOCK_FILE);
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
}
