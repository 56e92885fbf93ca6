package dev.raftkit.testkit.tck;

import static dev.raftkit.testkit.tck.LogStoreTck.ALL;
import static dev.raftkit.testkit.tck.LogStoreTck.entries;
import static dev.raftkit.testkit.tck.LogStoreTck.entry;
import static dev.raftkit.testkit.tck.LogStoreTck.payload;
import static dev.raftkit.testkit.tck.LogStoreTck.read;
import static dev.raftkit.testkit.tck.LogStoreTck.writeSnapshot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance kit for {@link HostLogStore} implementations: every obligation of the
 * {@code HostLogStore} Javadoc, as JUnit 5 tests. Kept apart from {@link LogStoreTck}, so a store that
 * serves no hosts extends only that one.
 *
 * <p>To check a store, extend this class in your test sources and implement {@link #openHost}:
 * <pre>{@code
 * class MyHostLogStoreTckTest extends HostLogStoreTck {
 *     @Override
 *     protected HostLogStore openHost(Path dir) throws IOException {
 *         return MyHostLogStore.open(dir);   // creates the store in dir, or recovers what dir holds
 *     }
 * }
 * }</pre>
 * It checks:
 * <ul>
 *   <li>every {@link LogStore} obligation on a group's store ({@link GroupsKeepTheLogStoreContract}
 *       runs all of {@link LogStoreTck} on one group of a host whose other group holds data);</li>
 *   <li>isolation: writes, compaction, reset and snapshots of one group are invisible to another
 *       that uses the same indexes, before and after reopen;</li>
 *   <li>{@link HostLogStore#persist}: every write of every group listed is stored and durable, writes
 *       of one group apply in order, a write that breaks the rules or names a group that is not
 *       open stores nothing of the call ({@link TornWriteHostLogStoreTck} adds that none of a call
 *       survives a crash in the middle of its write, for stores that can simulate one);</li>
 *   <li>{@link HostLogStore#deleteGroup} removes that group only, durably, and refuses an open group;
 *       {@link HostLogStore#groups} after writes, deletes and reopen; a group opened twice is
 *       refused; groups written from several threads at once.</li>
 * </ul>
 * Each test gets its own empty directory and opens the host on it, often several times; the test
 * closes every host it opened. Randomized tests print their seed and replay it with the system
 * property {@value LogStoreTck#SEED_PROPERTY}.
 */
public abstract class HostLogStoreTck {

    static final GroupId A = GroupId.of("group-a");
    static final GroupId B = GroupId.of("group-b");
    private static final GroupId C = GroupId.of("group-c");
    /** The group whose store the {@link GroupsKeepTheLogStoreContract} tests check. */
    private static final GroupId CHECKED = GroupId.of("checked");
    /** The group that holds data beside {@link #CHECKED} in those tests. */
    private static final GroupId NEIGHBOUR = GroupId.of("neighbour");
    private static final long NEIGHBOUR_TERM = 99;

    @TempDir
    Path dir;

    private final List<HostLogStore> opened = new ArrayList<>();
    HostLogStore host;

    /**
     * Opens the host store kept in {@code dir}: a new, empty store the first time, and the same store
     * with everything durable recovered when it is called again for a directory whose store was
     * closed.
     *
     * @param dir a directory that exists and is private to the running test
     * @return the opened store
     * @throws IOException if it cannot be opened
     */
    protected abstract HostLogStore openHost(Path dir) throws IOException;

    /**
     * Damages snapshot {@code meta} of {@code group} at {@code offset} of its data where the closed
     * store in {@code dir} keeps it, as {@link LogStoreTck#damageSnapshot} does for a single store.
     *
     * @param dir the directory of the closed store
     * @param group the group whose snapshot it is
     * @param meta the snapshot, its data as the test wrote it
     * @param data the snapshot's data
     * @param offset the offset in {@code data} to damage
     * @throws IOException if the files cannot be read or written
     */
    protected void damageSnapshot(Path dir, GroupId group, SnapshotMeta meta, byte[] data, int offset)
            throws IOException {
        LogStoreTck.damageSnapshotFiles(dir, data, offset);
    }

    @BeforeEach
    void openFreshHost() throws IOException {
        host = open();
    }

    @AfterEach
    void closeEveryHost() throws IOException {
        for (HostLogStore h : opened) {
            h.close();
        }
    }

    // ---- Each group's store keeps the whole LogStore contract -----------------------------------

    /**
     * Every {@link LogStoreTck} test, on the store of one group of a host whose other group holds
     * entries at the same indexes; closing that store closes the host, and opening it opens the
     * host again.
     */
    @Nested
    class GroupsKeepTheLogStoreContract extends LogStoreTck {

        @Override
        protected LogStore openStore(Path storeDir) throws IOException {
            HostLogStore owner = openHost(storeDir);
            try {
                try (LogStore neighbour = owner.group(NEIGHBOUR)) {
                    if (neighbour.lastIndex() == 0) {
                        neighbour.persist(new HardState(NEIGHBOUR_TERM, null, 0), entries(1, 20, NEIGHBOUR_TERM));
                    }
                    assertEquals(entries(1, 20, NEIGHBOUR_TERM), neighbour.entries(1, 21, ALL),
                            "the neighbouring group's entries are untouched");
                }
                return new GroupOfHost(owner, owner.group(CHECKED));
            } catch (IOException | RuntimeException | AssertionError e) {
                owner.close();
                throw e;
            }
        }

        @Override
        protected void damageSnapshot(Path storeDir, SnapshotMeta meta, byte[] data, int offset) throws IOException {
            HostLogStoreTck.this.damageSnapshot(storeDir, CHECKED, meta, data, offset);
        }
    }

    // ---- Isolation ------------------------------------------------------------------------------

    @Test
    void groupsHoldTheirOwnEntriesAndHardStateAtEqualIndexes() throws IOException {
        LogStore a = host.group(A);
        LogStore b = host.group(B);
        a.persist(new HardState(1, NodeId.of("a"), 3), entries(1, 5, 1));
        b.persist(new HardState(2, NodeId.of("b"), 2), entries(1, 3, 2));

        checkIndependent(a, b);
        reopen();
        checkIndependent(host.group(A), host.group(B));
    }

    private static void checkIndependent(LogStore a, LogStore b) throws IOException {
        assertEquals(entries(1, 5, 1), a.entries(1, 6, ALL), "group A's entries");
        assertEquals(entries(1, 3, 2), b.entries(1, 4, ALL), "group B's entries at the same indexes");
        assertEquals(5, a.lastIndex());
        assertEquals(3, b.lastIndex());
        assertEquals(new HardState(1, NodeId.of("a"), 3), a.hardState());
        assertEquals(new HardState(2, NodeId.of("b"), 2), b.hardState());
        assertEquals(2, b.term(3));
    }

    @Test
    void compactionAndResetOfOneGroupLeaveTheOtherAlone() throws IOException {
        LogStore a = host.group(A);
        LogStore b = host.group(B);
        a.persist(null, entries(1, 10, 1));
        b.persist(null, entries(1, 10, 2));
        a.compact(6);
        b.reset(30, 4);

        checkCompactedAndReset(a, b);
        reopen();
        checkCompactedAndReset(host.group(A), host.group(B));
    }

    private static void checkCompactedAndReset(LogStore a, LogStore b) throws IOException {
        assertEquals(7, a.firstIndex(), "A was compacted");
        assertEquals(10, a.lastIndex(), "A was not reset by B's reset");
        assertEquals(entries(7, 4, 1), a.entries(7, 11, ALL));
        assertEquals(1, a.term(6));
        assertEquals(31, b.firstIndex(), "B was reset, not compacted by A's compaction");
        assertEquals(30, b.lastIndex());
        assertEquals(4, b.term(30));
    }

    @Test
    void snapshotsOfOneGroupAreInvisibleToTheOther() throws IOException {
        LogStore a = host.group(A);
        LogStore b = host.group(B);
        byte[] dataA = payload(5, 1, 5000);
        SnapshotMeta metaA = writeSnapshot(a, 5, 1, dataA);
        assertEquals(Optional.empty(), b.latestSnapshot(), "A's snapshot is not B's");
        assertThrows(IOException.class, () -> b.openSnapshot(metaA).close(), "B cannot open A's snapshot");

        byte[] dataB = payload(5, 2, 7000);
        SnapshotMeta metaB = writeSnapshot(b, 5, 2, dataB);
        try (SnapshotWriter abandoned = b.beginSnapshot(9, 2, LogStoreTck.MEMBERSHIP)) {
            abandoned.output().write(payload(9, 2, 100));
        }
        assertSnapshots(a, metaA, dataA, b, metaB, dataB);
        reopen();
        assertSnapshots(host.group(A), metaA, dataA, host.group(B), metaB, dataB);
    }

    private static void assertSnapshots(LogStore a, SnapshotMeta metaA, byte[] dataA, LogStore b, SnapshotMeta metaB,
            byte[] dataB) throws IOException {
        assertEquals(Optional.of(metaA), a.latestSnapshot(), "a newer snapshot of B does not replace A's");
        assertEquals(Optional.of(metaB), b.latestSnapshot());
        assertArrayEquals(dataA, read(a, metaA));
        assertArrayEquals(dataB, read(b, metaB));
    }

    // ---- persist(List<GroupWrite>) --------------------------------------------------------------

    @Test
    void persistOfManyGroupsStoresEveryWriteDurablyAndInOrder() throws IOException {
        LogStore a = host.group(A);
        LogStore b = host.group(B);
        LogStore c = host.group(C);
        a.persist(null, entries(1, 2, 1));
        host.persist(List.of(
                new GroupWrite(A, null, entries(3, 3, 1)),
                new GroupWrite(B, null, entries(1, 4, 2)),
                new GroupWrite(A, new HardState(3, NodeId.of("x"), 4), entries(4, 2, 3)),
                new GroupWrite(C, new HardState(5, null, 0), List.of())));

        checkManyGroupsWrite(a, b, c);
        reopen();
        checkManyGroupsWrite(host.group(A), host.group(B), host.group(C));
        assertTrue(host.groups().containsAll(Set.of(A, B, C)), "groups() after reopen: " + host.groups());
    }

    private static void checkManyGroupsWrite(LogStore a, LogStore b, LogStore c) throws IOException {
        List<LogEntry> expectedA = new ArrayList<>(entries(1, 3, 1));
        expectedA.addAll(entries(4, 2, 3));
        assertEquals(expectedA, a.entries(1, 6, ALL), "A's two writes applied in list order");
        assertEquals(5, a.lastIndex());
        assertEquals(new HardState(3, NodeId.of("x"), 4), a.hardState());
        assertEquals(entries(1, 4, 2), b.entries(1, 5, ALL));
        assertEquals(HardState.INITIAL, b.hardState(), "a write without a hard state keeps B's");
        assertEquals(new HardState(5, null, 0), c.hardState());
        assertEquals(0, c.lastIndex());
    }

    @Test
    void persistWithABadWriteStoresNothingOfTheCall() throws IOException {
        LogStore a = host.group(A);
        LogStore b = host.group(B);
        a.persist(new HardState(1, null, 0), entries(1, 3, 1));
        b.persist(null, entries(1, 3, 2));

        assertThrows(IllegalArgumentException.class, () -> host.persist(List.of(
                new GroupWrite(A, new HardState(2, null, 3), entries(4, 2, 2)),
                new GroupWrite(B, null, entries(5, 1, 2)))), "B's write leaves a gap");
        assertThrows(IllegalArgumentException.class, () -> host.persist(List.of(
                new GroupWrite(A, null, entries(4, 2, 2)),
                new GroupWrite(A, null, entries(7, 1, 2)))), "A's second write leaves a gap after its first");

        checkUnchanged(a, b);
        reopen();
        checkUnchanged(host.group(A), host.group(B));
    }

    @Test
    void persistNamingAGroupThatIsNotOpenIsRefusedAndStoresNothing() throws IOException {
        LogStore a = host.group(A);
        LogStore b = host.group(B);
        a.persist(new HardState(1, null, 0), entries(1, 3, 1));
        b.persist(null, entries(1, 3, 2));
        b.close();

        IllegalArgumentException closed = assertThrows(IllegalArgumentException.class, () -> host.persist(List.of(
                new GroupWrite(A, null, entries(4, 1, 1)),
                new GroupWrite(B, null, entries(4, 1, 2)))), "B was closed");
        assertTrue(closed.getMessage() != null && closed.getMessage().contains(B.value()),
                "the error names the group that is not open: " + closed.getMessage());
        IllegalArgumentException never = assertThrows(IllegalArgumentException.class, () -> host.persist(List.of(
                new GroupWrite(A, null, entries(4, 1, 1)),
                new GroupWrite(C, null, entries(1, 1, 2)))), "C was never opened");
        assertTrue(never.getMessage() != null && never.getMessage().contains(C.value()),
                "the error names the group that is not open: " + never.getMessage());

        assertEquals(3, a.lastIndex(), "nothing of the refused calls was stored in A");
        reopen();
        checkUnchanged(host.group(A), host.group(B));
        assertEquals(0, host.group(C).lastIndex(), "nothing was stored in C");
    }

    static void checkUnchanged(LogStore a, LogStore b) throws IOException {
        assertEquals(entries(1, 3, 1), a.entries(1, 4, ALL), "A unchanged");
        assertEquals(new HardState(1, null, 0), a.hardState(), "A's hard state unchanged");
        assertEquals(entries(1, 3, 2), b.entries(1, 4, ALL), "B unchanged");
        assertEquals(3, a.lastIndex());
        assertEquals(3, b.lastIndex());
    }

    // ---- Groups: open, delete, list -------------------------------------------------------------

    @Test
    void aGroupOpenTwiceIsRefused() throws IOException {
        LogStore a = host.group(A);
        assertThrows(IllegalStateException.class, () -> host.group(A), "A is open already");
        a.persist(null, entries(1, 2, 1));
        a.close();
        LogStore again = host.group(A);
        assertEquals(entries(1, 2, 1), again.entries(1, 3, ALL), "A opens again once closed, with its data");
    }

    @Test
    void deleteGroupRemovesThatGroupOnlyAndSurvivesReopen() throws IOException {
        LogStore a = host.group(A);
        LogStore b = host.group(B);
        a.persist(new HardState(4, NodeId.of("a"), 2), entries(1, 5, 1));
        b.persist(new HardState(5, NodeId.of("b"), 1), entries(1, 5, 2));
        writeSnapshot(a, 3, 1, payload(3, 1, 3000));
        SnapshotMeta metaB = writeSnapshot(b, 3, 2, payload(3, 2, 3000));
        a.compact(2);
        assertThrows(IllegalStateException.class, () -> host.deleteGroup(A), "A is open");
        assertEquals(5, a.lastIndex(), "a refused delete deletes nothing");
        a.close();

        host.deleteGroup(A);
        host.deleteGroup(C);
        assertEquals(Set.of(B), host.groups(), "groups() after deleting A (and C, which had no data)");
        assertEquals(entries(1, 5, 2), b.entries(1, 6, ALL), "B keeps its entries");
        reopen();
        assertEquals(Set.of(B), host.groups(), "groups() after reopen");
        checkOnlyBLeft(host.group(A), host.group(B), metaB);
    }

    private static void checkOnlyBLeft(LogStore a, LogStore b, SnapshotMeta metaB) throws IOException {
        assertEquals(1, a.firstIndex(), "a deleted group opens as a new, empty store");
        assertEquals(0, a.lastIndex());
        assertEquals(HardState.INITIAL, a.hardState());
        assertEquals(Optional.empty(), a.latestSnapshot());
        a.close();
        assertEquals(entries(1, 5, 2), b.entries(1, 6, ALL), "B keeps its entries");
        assertEquals(new HardState(5, NodeId.of("b"), 1), b.hardState());
        assertEquals(Optional.of(metaB), b.latestSnapshot());
        assertArrayEquals(payload(3, 2, 3000), read(b, metaB));
    }

    @Test
    void groupsListsEveryGroupWithDataAfterReopen() throws IOException {
        assertEquals(Set.of(), host.groups(), "a new host store holds no group");
        host.group(A).persist(null, entries(1, 1, 1));
        host.group(B).persist(new HardState(1, null, 0), List.of());
        assertTrue(host.groups().containsAll(Set.of(A, B)), "groups(): " + host.groups());
        reopen();
        Set<GroupId> groups = host.groups();
        assertTrue(groups.containsAll(Set.of(A, B)), "groups() after reopen: " + groups);
        assertTrue(!groups.contains(C), "a group never opened is not listed: " + groups);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void groupsWrittenFromSeveralThreadsAtOnceKeepTheirOwnLogs() throws Exception {
        long seed = Long.getLong(LogStoreTck.SEED_PROPERTY, System.nanoTime());
        try {
            checkConcurrentGroups(seed);
        } catch (AssertionError | Exception e) {
            throw new AssertionError("concurrent groups check failed; replay with -D" + LogStoreTck.SEED_PROPERTY
                    + "=" + seed, e);
        }
    }

    private void checkConcurrentGroups(long seed) throws Exception {
        int groups = 4;
        int rounds = 100;
        List<LogStore> stores = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            stores.add(host.group(GroupId.of("concurrent-" + g)));
        }
        Random random = new Random(seed);
        ExecutorService writers = Executors.newFixedThreadPool(groups);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                LogStore store = stores.get(g);
                GroupId group = GroupId.of("concurrent-" + g);
                long term = g + 1;
                boolean throughHost = g % 2 == 0;
                Random own = new Random(random.nextLong());
                done.add(writers.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        long first = store.lastIndex() + 1;
                        List<LogEntry> batch = entries(first, 1 + own.nextInt(4), term);
                        HardState state = new HardState(term, null, first);
                        if (throughHost) {
                            host.persist(List.of(new GroupWrite(group, state, batch)));
                        } else {
                            store.persist(state, batch);
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            writers.shutdownNow();
        }
        List<Long> lasts = new ArrayList<>();
        for (LogStore store : stores) {
            lasts.add(store.lastIndex());
        }
        reopen();
        for (int g = 0; g < groups; g++) {
            LogStore store = host.group(GroupId.of("concurrent-" + g));
            long last = lasts.get(g);
            assertEquals(last, store.lastIndex(), "group " + g + " kept every write");
            assertEquals(entries(1, (int) last, g + 1), store.entries(1, last + 1, ALL),
                    "group " + g + " holds only its own entries");
        }
    }

    // ---- Helpers --------------------------------------------------------------------------------

    /** Opens a host on the test's directory and remembers it for closing. */
    HostLogStore open() throws IOException {
        HostLogStore opened = openHost(dir);
        this.opened.add(opened);
        return opened;
    }

    /** Closes the current host and opens it again on the same directory. */
    private void reopen() throws IOException {
        host.close();
        host = open();
    }

    /** A group's store that owns its host: closing it closes the host too. */
    private static final class GroupOfHost extends ForwardingLogStore {
        private final HostLogStore owner;

        GroupOfHost(HostLogStore owner, LogStore store) {
            super(store);
            this.owner = owner;
        }

        @Override
        public void close() throws IOException {
            try {
                delegate.close();
            } finally {
                owner.close();
            }
        }
    }
}
