package dev.raftkit.lmdb;

import dev.raftkit.GroupId;
import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.lmdbjava.Cursor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link HostLogStore} on LMDB: every group's log in one LMDB environment with one
 * journal, so that one fdatasync makes many groups' appends durable. Layout under the host's data
 * directory:
 * <pre>
 *   lmdb/data.mdb, lmdb/lock.mdb   the environment: databases "entries" and "meta"
 *   lmdb/journal                   the write-ahead journal, shared by every group (lmdb.sync=full)
 *   snapshots/group-&lt;id&gt;/*.snap    each group's snapshot data
 *   lmdb-store.lock                held while the store is open
 * </pre>
 * A group's keys are its single-node keys behind the prefix {@code length:byte id:ASCII}
 * ({@link Keyspace}): entries {@code prefix index:long}, meta records {@code prefix name} (hard
 * state, log start, snapshot, generation, and {@code group}, which registers the group). The
 * environment's own meta records (format version 5, the {@code host} layout record, the journal
 * mark) have no prefix. A journal record holds the records of every group one write named
 * ({@link JournalPayload}). Each group's store is an {@link LmdbLogStore} with the single-node
 * behaviour, recovery and checks, its errors naming the group.
 *
 * <h2>Registering a group</h2>
 * {@link #group} only reads: it writes nothing, so starting N groups costs no sync (it used to
 * cost one synced LMDB transaction each). A group is registered by its first durable write, which
 * carries the registration: every LMDB transaction that writes a group's data also writes its
 * {@code group} record, and a journal record naming a group registers it when the record is
 * replayed or checkpointed into LMDB. So the registration is durable exactly when the group's first
 * write is, and before that the group has acknowledged nothing that depends on it (a vote, an
 * append or a snapshot is acknowledged only once persisted). A group opened but never written is
 * not registered: after a restart (or a crash) {@link #groups} does not list it, and it opens
 * again as a new, empty store, which is all it was.
 *
 * <h2>Deleting a group</h2>
 * {@link #deleteGroup} deletes the group's entries and meta records (the {@code group} record
 * included) in one LMDB transaction, synced, then its snapshot directory. That transaction is the
 * point of no return: a crash before it leaves the whole group, a crash after it none of it (a
 * snapshot directory of a group no record names is deleted at the next open). The group's records
 * are never left in the journal to resurrect it: a group is checkpointed when it closes and at
 * open.
 *
 * <p>Thread-safe: writes of all groups are ordered by one lock (a sync is shared, not parallel);
 * reads never wait for it. Options: those of {@link LmdbLogStoreProvider}.
 */
public final class LmdbHostLogStore implements HostLogStore {

    /** The prefix of a group's snapshot directory's name, before the group id. */
    static final String GROUP_DIR_PREFIX = "group-";

    private static final Logger LOG = LoggerFactory.getLogger(LmdbHostLogStore.class);

    private final LmdbStorage storage;
    private final Path snapshotRoot;

    private LmdbHostLogStore(LmdbStorage storage, Path snapshotRoot) {
        this.storage = storage;
        this.snapshotRoot = snapshotRoot;
    }

    /**
     * Opens (creating if needed) the host's store in {@code dataDir}, recovering what was durable:
     * the journal's records of every group move into LMDB.
     *
     * @param dataDir the host's data directory; created if missing
     * @param options the host's options; the {@code lmdb.*} ones are read, others ignored
     * @return the store
     * @throws IllegalArgumentException naming the option if an {@code lmdb.*} option is invalid
     * @throws IOException if the directory is in use, holds a single node's store, or for any
     *     reason {@link LmdbLogStore#open} gives
     */
    public static LmdbHostLogStore open(Path dataDir, Map<String, String> options) throws IOException {
        Objects.requireNonNull(dataDir, "dataDir");
        LmdbOptions parsed = LmdbOptions.parseHost(options);
        LmdbStorage storage = LmdbStorage.open(dataDir, parsed, true);
        try {
            LmdbHostLogStore host = new LmdbHostLogStore(storage,
                    Files.createDirectories(dataDir.resolve(LmdbLogStore.SNAPSHOT_DIR)));
            Set<GroupId> groups = host.groups();
            host.removeSnapshotsOfDeletedGroups(groups);
            LOG.info("LMDB host log store opened in {}: {} groups", dataDir, groups.size());
            return host;
        } catch (IOException | RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    @Override
    public LogStore group(GroupId group) throws IOException {
        Objects.requireNonNull(group, "group");
        return storage.openLog(Keyspace.of(group), snapshotDir(group), false);
    }

    /**
     * {@inheritDoc}
     *
     * <p>With {@code lmdb.sync=full}: one journal record holding every write, and one fdatasync;
     * checkpoints of every group run in the background (see {@link LmdbLogStore#persist}).
     */
    @Override
    public void persist(List<GroupWrite> writes) throws IOException {
        List<LmdbStorage.Write> resolved = new ArrayList<>(writes.size());
        for (GroupWrite write : writes) {
            LmdbLogStore log = storage.log(Keyspace.of(write.group()));
            if (log == null) {
                throw new IllegalArgumentException("persist names group " + write.group() + ", which is not open in"
                        + " the lmdb host log store in " + storage.dataDir() + "; nothing of the call was stored");
            }
            resolved.add(new LmdbStorage.Write(log, write.hardState(), write.entries()));
        }
        storage.persist(resolved);
    }

    @Override
    public void deleteGroup(GroupId group) throws IOException {
        Keyspace keys = Keyspace.of(Objects.requireNonNull(group, "group"));
        storage.delete(keys);
        deleteTree(snapshotDir(group));
    }

    /**
     * {@inheritDoc}
     *
     * <p>The groups registered in LMDB, and the open groups whose data is so far only in the
     * journal (see "Registering a group"). Those are listed first, then LMDB is read, so a group
     * a concurrent checkpoint moves from the journal to LMDB is listed either way.
     */
    @Override
    public Set<GroupId> groups() throws IOException {
        Set<GroupId> groups = new TreeSet<>();
        for (Keyspace keys : storage.logsWithJournalRecords()) {
            groups.add(keys.group());
        }
        LmdbEnvironment env = storage.env();
        return env.read(txn -> {
            try (Cursor<byte[]> cursor = env.meta().openCursor(txn)) {
                for (boolean found = cursor.first(); found; found = cursor.next()) {
                    GroupId group = Keyspace.groupOf(cursor.key(), MetaRecords.GROUP);
                    if (group != null) {
                        GroupId recorded = MetaRecords.decodeGroup(cursor.val(), env.dataFile());
                        if (!recorded.equals(group)) {
                            throw new IOException("the group record of " + group + " in " + env.dataFile()
                                    + " names group " + recorded + ": the store is damaged");
                        }
                        groups.add(group);
                    }
                }
            }
            return groups;
        });
    }

    /** Closes every open group's store, the environment and the journal. Idempotent. */
    @Override
    public void close() throws IOException {
        storage.close();
    }

    @Override
    public String toString() {
        return "LmdbHostLogStore[" + storage.dataDir() + "]";
    }

    private Path snapshotDir(GroupId group) {
        return snapshotRoot.resolve(GROUP_DIR_PREFIX + group.value());
    }

    /** Deletes the snapshot directories of groups the store does not hold: left by a crash in {@link #deleteGroup}. */
    private void removeSnapshotsOfDeletedGroups(Set<GroupId> groups) throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(snapshotRoot, GROUP_DIR_PREFIX + "*")) {
            for (Path dir : dirs) {
                String id = dir.getFileName().toString().substring(GROUP_DIR_PREFIX.length());
                if (groups.stream().noneMatch(group -> group.value().equals(id))) {
                    LOG.info("removing {}: its group was deleted", dir);
                    deleteTree(dir);
                }
            }
        }
    }

    /** Deletes {@code dir} and everything in it, durably; nothing if it does not exist. */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
        DirectorySync.sync(dir.getParent());
    }
}
