package dev.raftkit.testkit.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance kit for {@link LogStore} implementations: every obligation stated in the
 * {@code LogStore}, {@code SnapshotWriter} and {@code SnapshotMeta} Javadoc, as JUnit 5 tests.
 *
 * <p>To check a store, extend this class in your test sources and implement {@link #openStore}:
 * <pre>{@code
 * class MyLogStoreTckTest extends LogStoreTck {
 *     @Override
 *     protected LogStore openStore(Path dir) throws IOException {
 *         return MyLogStore.open(dir);   // creates the store in dir, or recovers what dir holds
 *     }
 * }
 * }</pre>
 * Each test gets its own empty directory and opens the store on it, often several times: a test
 * closes the store and calls {@code openStore} again with the same directory to check that the
 * reopened store recovers everything that was durable. A store kept outside the file system (in
 * memory, in a database) maps the directory to its state, e.g. with a {@code Map<Path, State>} held
 * by the test class. The test closes every store it opened.
 *
 * <p>The concurrency test is randomized: it prints its seed when it fails, and the system property
 * {@code raftkit.tck.seed} replays a seed. Durability against power loss cannot be checked from
 * inside the JVM; test it with process kills or a fault-injecting file system as well.
 */
public abstract class LogStoreTck {

    /** Names the system property that fixes the seed of the randomized test. */
    public static final String SEED_PROPERTY = "raftkit.tck.seed";

    /** A byte budget that reads a whole range. */
    static final long ALL = Long.MAX_VALUE;
    /** How many data bytes the default {@link #damageSnapshot} looks for to find where to damage. */
    private static final int DAMAGE_PROBE_BYTES = 64;
    /** The membership every test snapshot records. */
    static final Membership MEMBERSHIP = new Membership(3,
            Map.of(NodeId.of("a"), new Address("10.0.0.1", 7000), NodeId.of("b"), new Address("10.0.0.2", 7000)),
            Map.of(NodeId.of("c"), new Address("10.0.0.3", 7000)));

    @TempDir
    Path dir;

    private final List<LogStore> opened = new ArrayList<>();
    private LogStore store;

    /**
     * Opens the store kept in {@code dir}: a new, empty store the first time, and the same store with
     * everything durable recovered when it is called again for a directory whose store was closed.
     *
     * @param dir a directory that exists and is private to the running test
     * @return the opened store
     * @throws IOException if it cannot be opened
     */
    protected abstract LogStore openStore(Path dir) throws IOException;

    /**
     * Damages the byte at {@code offset} of snapshot {@code meta}'s data where the closed store in
     * {@code dir} keeps it, for the test that a damaged snapshot is never handed out.
     *
     * <p>The default finds the {@value #DAMAGE_PROBE_BYTES} data bytes from {@code offset} in the
     * files under {@code dir} and flips the first of them wherever they stand; the test's snapshot
     * is small and random, so a store that keeps data as written (in blocks of at least that size)
     * needs nothing more. A store that compresses or encrypts its data, or keeps it outside
     * {@code dir}, overrides this.
     *
     * @param dir the directory of the closed store
     * @param meta the snapshot, its data as the test wrote it
     * @param data the snapshot's data
     * @param offset the offset in {@code data} to damage
     * @throws IOException if the files cannot be read or written
     */
    protected void damageSnapshot(Path dir, SnapshotMeta meta, byte[] data, int offset) throws IOException {
        damageSnapshotFiles(dir, data, offset);
    }

    /**
     * The default of {@link #damageSnapshot}: flips the snapshot's data at {@code offset} wherever it
     * stands in the files under {@code dir}, failing the test if it stands nowhere.
     *
     * @param dir the directory of the closed store
     * @param data the snapshot's data
     * @param offset the offset in {@code data} to damage
     * @throws IOException if the files cannot be read or written
     */
    static void damageSnapshotFiles(Path dir, byte[] data, int offset) throws IOException {
        // ISO-8859-1 maps each byte to one char, so String.indexOf finds byte sequences.
        String probe = new String(data, offset, DAMAGE_PROBE_BYTES, StandardCharsets.ISO_8859_1);
        int flipped = 0;
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path file : files) {
            byte[] content = Files.readAllBytes(file);
            String text = new String(content, StandardCharsets.ISO_8859_1);
            boolean changed = false;
            for (int at = text.indexOf(probe); at >= 0; at = text.indexOf(probe, at + 1)) {
                content[at] ^= 0x5A;
                changed = true;
                flipped++;
            }
            if (changed) {
                Files.write(file, content);
            }
        }
        assertTrue(flipped > 0, "the snapshot's data at offset " + offset + " was not found in the files under " + dir
                + "; override LogStoreTck.damageSnapshot to damage it where the store keeps it");
    }

    @BeforeEach
    void openFreshStore() throws IOException {
        store = open();
    }

    @AfterEach
    void closeEveryStore() throws IOException {
        for (LogStore s : opened) {
            s.close();
        }
    }

    // ---- Shape of a new store -------------------------------------------------------------------

    @Test
    void newStoreIsEmpty() throws IOException {
        assertEquals(1, store.firstIndex(), "firstIndex of a new store");
        assertEquals(0, store.lastIndex(), "lastIndex of a new store");
        assertEquals(0, store.term(0), "term(0) of a new store");
        assertEquals(HardState.INITIAL, store.hardState(), "hard state of a new store");
        assertEquals(Optional.empty(), store.latestSnapshot(), "latest snapshot of a new store");
        assertEquals(List.of(), store.entries(1, 1, ALL), "entries of an empty range");
    }

    // ---- Append and read back -------------------------------------------------------------------

    @Test
    void persistedEntriesReadBackEqual() throws IOException {
        List<LogEntry> written = List.of(
                new LogEntry(1, 1, EntryKind.NOOP, new byte[0]),
                new LogEntry(2, 1, EntryKind.COMMAND, payload(2, 1, 10)),
                new LogEntry(3, 2, EntryKind.MEMBERSHIP, payload(3, 2, 40)),
                new LogEntry(4, 2, EntryKind.COMMAND, payload(4, 2, 70_000)),
                new LogEntry(5, 3, EntryKind.COMMAND, new byte[] {0, -1, 127, -128}),
                new LogEntry(6, 3, EntryKind.SESSION, payload(6, 3, 30)));
        store.persist(null, written);

        assertEquals(1, store.firstIndex());
        assertEquals(6, store.lastIndex());
        assertEquals(written, store.entries(1, 7, ALL));
        for (LogEntry e : written) {
            assertEquals(e.term(), store.term(e.index()), "term(" + e.index() + ")");
            assertEquals(List.of(e), store.entries(e.index(), e.index() + 1, ALL));
        }
        assertEquals(written.subList(1, 4), store.entries(2, 5, ALL));
    }

    @Test
    void separatePersistCallsAppend() throws IOException {
        store.persist(null, entries(1, 3, 1));
        store.persist(null, entries(4, 4, 1));
        store.persist(null, List.of());
        store.persist(null, entries(8, 1, 2));

        assertEquals(8, store.lastIndex());
        List<LogEntry> expected = new ArrayList<>(entries(1, 7, 1));
        expected.addAll(entries(8, 1, 2));
        assertEquals(expected, store.entries(1, 9, ALL));
    }

    // ---- Byte limits ----------------------------------------------------------------------------

    @Test
    void readsStopAtTheByteBudgetButReturnAtLeastOneEntry() throws IOException {
        List<LogEntry> written = entries(1, 10, 1); // 100-byte payloads: sizeBytes() == 124 each
        int size = written.get(0).sizeBytes();
        store.persist(null, written);

        assertEquals(written.subList(0, 1), store.entries(1, 11, 1), "a budget of 1 byte still returns one entry");
        assertEquals(written.subList(0, 1), store.entries(1, 11, size), "exactly one entry's size");
        assertEquals(written.subList(0, 1), store.entries(1, 11, 2L * size - 1), "just under two entries");
        assertEquals(written.subList(0, 2), store.entries(1, 11, 2L * size), "exactly two entries");
        assertEquals(written.subList(3, 6), store.entries(4, 11, 3L * size + 5), "from the middle");
        assertEquals(written.subList(3, 5), store.entries(4, 6, ALL), "the range ends before the budget");
        assertEquals(written, store.entries(1, 11, ALL));
    }

    // ---- Suffix replacement and gaps ------------------------------------------------------------

    @Test
    void persistReplacesTheSuffixFromItsFirstEntry() throws IOException {
        store.persist(null, entries(1, 10, 1));
        store.persist(null, entries(5, 2, 2));

        assertEquals(6, store.lastIndex(), "entries after the replaced ones are gone");
        List<LogEntry> expected = new ArrayList<>(entries(1, 4, 1));
        expected.addAll(entries(5, 2, 2));
        assertEquals(expected, store.entries(1, 7, ALL));
        assertEquals(2, store.term(6));

        store.persist(null, entries(1, 1, 3));
        assertEquals(1, store.lastIndex(), "replacing from the first index empties the rest");
        assertEquals(entries(1, 1, 3), store.entries(1, 2, ALL));

        store.persist(null, entries(2, 3, 3));
        assertEquals(4, store.lastIndex(), "appending at lastIndex + 1 after a replacement");
    }

    @Test
    void persistRejectsGapsAndDisorderWithoutChangingTheLog() throws IOException {
        store.persist(new HardState(1, null, 0), entries(1, 3, 1));

        assertThrows(IllegalArgumentException.class, () -> store.persist(null, entries(5, 1, 1)),
                "first entry after lastIndex + 1");
        assertThrows(IllegalArgumentException.class, () -> store.persist(new HardState(2, null, 0),
                List.of(entry(4, 1, 1), entry(6, 1, 1))), "a gap inside the batch");
        assertThrows(IllegalArgumentException.class, () -> store.persist(null,
                List.of(entry(3, 1, 1), entry(2, 1, 1))), "descending indexes");
        assertThrows(IllegalArgumentException.class, () -> store.persist(null,
                List.of(entry(4, 1, 1), entry(4, 1, 1))), "a repeated index");

        assertEquals(3, store.lastIndex());
        assertEquals(entries(1, 3, 1), store.entries(1, 4, ALL));
        assertEquals(new HardState(1, null, 0), store.hardState(), "a rejected persist stores no hard state");
    }

    @Test
    void persistRejectsEntriesBeforeTheFirstIndex() throws IOException {
        store.persist(null, entries(1, 5, 1));
        store.compact(3);

        assertThrows(IllegalArgumentException.class, () -> store.persist(null, entries(3, 3, 2)));
        assertEquals(5, store.lastIndex());
        store.persist(null, entries(4, 1, 2));
        assertEquals(4, store.lastIndex(), "replacing from firstIndex is allowed");
    }

    // ---- Hard state -----------------------------------------------------------------------------

    @Test
    void hardStateRoundTrips() throws IOException {
        HardState voted = new HardState(7, NodeId.of("node-b.2"), 0);
        store.persist(voted, List.of());
        assertEquals(voted, store.hardState());

        store.persist(null, entries(1, 2, 7));
        assertEquals(voted, store.hardState(), "a null hard state keeps the current one");

        HardState noVote = new HardState(8, null, 2);
        store.persist(noVote, List.of());
        assertEquals(noVote, store.hardState(), "a term without a vote");
    }

    @Test
    void hardStateAndEntriesPersistTogetherAndSurviveReopen() throws IOException {
        HardState state = new HardState(4, NodeId.of("a"), 3);
        store.persist(state, entries(1, 5, 4));
        assertEquals(state, store.hardState());

        LogStore reopened = reopen();
        assertEquals(state, reopened.hardState());
        assertEquals(entries(1, 5, 4), reopened.entries(1, 6, ALL));
    }

    // ---- Compaction -----------------------------------------------------------------------------

    @Test
    void compactDiscardsAPrefixAndKeepsItsLastTerm() throws IOException {
        store.persist(null, entries(1, 4, 1));
        store.persist(null, entries(5, 6, 2));
        store.compact(4);

        assertEquals(5, store.firstIndex());
        assertEquals(10, store.lastIndex());
        assertEquals(1, store.term(4), "term of the compacted position");
        assertEquals(entries(5, 6, 2), store.entries(5, 11, ALL));
        assertThrows(IllegalArgumentException.class, () -> store.term(3));
        assertThrows(IllegalArgumentException.class, () -> store.entries(4, 6, ALL));

        store.compact(2);
        assertEquals(5, store.firstIndex(), "compacting below firstIndex does nothing");
        store.compact(4);
        assertEquals(5, store.firstIndex(), "compacting at firstIndex - 1 does nothing");
        assertThrows(IllegalArgumentException.class, () -> store.compact(11), "beyond lastIndex");
    }

    @Test
    void compactThroughLastIndexLeavesAnEmptyLogThatContinues() throws IOException {
        store.persist(null, entries(1, 5, 3));
        store.compact(5);

        assertEquals(6, store.firstIndex());
        assertEquals(5, store.lastIndex());
        assertEquals(3, store.term(5));
        assertEquals(List.of(), store.entries(6, 6, ALL));

        store.persist(null, entries(6, 2, 4));
        assertEquals(entries(6, 2, 4), store.entries(6, 8, ALL));

        LogStore reopened = reopen();
        assertEquals(6, reopened.firstIndex());
        assertEquals(7, reopened.lastIndex());
        assertEquals(3, reopened.term(5), "the compacted position survives reopen");
    }

    // ---- Reset ----------------------------------------------------------------------------------

    @Test
    void resetMakesTheLogContinueAfterAPosition() throws IOException {
        store.persist(new HardState(2, null, 5), entries(1, 10, 2));
        store.reset(20, 3);

        assertEquals(21, store.firstIndex());
        assertEquals(20, store.lastIndex());
        assertEquals(3, store.term(20));
        assertEquals(new HardState(2, null, 5), store.hardState(), "reset leaves the hard state alone");
        assertThrows(IllegalArgumentException.class, () -> store.term(10));
        assertThrows(IllegalArgumentException.class, () -> store.persist(null, entries(22, 1, 3)));
        store.persist(null, entries(21, 2, 3));
        assertEquals(entries(21, 2, 3), store.entries(21, 23, ALL));

        store.reset(5, 1);
        assertEquals(6, store.firstIndex(), "reset may move the log backwards");
        assertEquals(5, store.lastIndex());
        assertEquals(1, store.term(5));

        LogStore reopened = reopen();
        assertEquals(6, reopened.firstIndex());
        assertEquals(5, reopened.lastIndex());
        assertEquals(1, reopened.term(5));
    }

    @Test
    void resetToZeroGivesTheShapeOfANewLog() throws IOException {
        store.persist(null, entries(1, 3, 1));
        store.reset(0, 0);

        assertEquals(1, store.firstIndex());
        assertEquals(0, store.lastIndex());
        assertEquals(0, store.term(0));
        store.persist(null, entries(1, 1, 5));
        assertEquals(5, store.term(1));
    }

    // ---- Snapshots ------------------------------------------------------------------------------

    @Test
    void committedSnapshotIsTheLatestAndReadsBack() throws IOException {
        byte[] data = payload(9, 9, 200_000);
        SnapshotMeta meta;
        try (SnapshotWriter writer = store.beginSnapshot(9, 2, MEMBERSHIP)) {
            writer.output().write(data, 0, 1000);
            writer.output().write(data[1000]);
            writer.output().write(data, 1001, data.length - 1001);
            writer.output().close();
            assertEquals(Optional.empty(), store.latestSnapshot(), "closing the output does not commit");
            meta = writer.commit();
        }

        assertEquals(9, meta.index());
        assertEquals(2, meta.term());
        assertEquals(MEMBERSHIP, meta.membership());
        assertEquals(data.length, meta.sizeBytes());
        assertEquals(crc32c(data), meta.crc32c(), "crc32c of the data");
        assertEquals(Optional.of(meta), store.latestSnapshot());
        assertArrayEquals(data, read(store, meta));
    }

    @Test
    void emptySnapshotIsAllowed() throws IOException {
        SnapshotMeta meta;
        try (SnapshotWriter writer = store.beginSnapshot(1, 1, MEMBERSHIP)) {
            meta = writer.commit();
        }
        assertEquals(0, meta.sizeBytes());
        assertEquals(crc32c(new byte[0]), meta.crc32c());
        assertArrayEquals(new byte[0], read(store, meta));
    }

    @Test
    void abandonedSnapshotLeavesThePreviousOne() throws IOException {
        SnapshotMeta first = writeSnapshot(store, 5, 1, payload(5, 1, 300));
        try (SnapshotWriter writer = store.beginSnapshot(8, 2, MEMBERSHIP)) {
            writer.output().write(payload(8, 2, 500));
        }
        assertEquals(Optional.of(first), store.latestSnapshot());
        assertArrayEquals(payload(5, 1, 300), read(store, first));

        LogStore reopened = reopen();
        assertEquals(Optional.of(first), reopened.latestSnapshot(), "an abandoned snapshot never appears");
    }

    @Test
    void newerSnapshotReplacesTheOlderOneWhileAnOpenReaderKeepsReading() throws IOException {
        byte[] oldData = payload(5, 1, 100_000);
        byte[] newData = payload(8, 2, 50_000);
        SnapshotMeta old = writeSnapshot(store, 5, 1, oldData);
        try (InputStream in = store.openSnapshot(old)) {
            byte[] head = in.readNBytes(10);
            SnapshotMeta newer = writeSnapshot(store, 8, 2, newData);

            assertEquals(Optional.of(newer), store.latestSnapshot());
            byte[] rest = in.readAllBytes();
            byte[] whole = new byte[head.length + rest.length];
            System.arraycopy(head, 0, whole, 0, head.length);
            System.arraycopy(rest, 0, whole, head.length, rest.length);
            assertArrayEquals(oldData, whole, "a snapshot being read stays readable after a newer commit");
            assertArrayEquals(newData, read(store, newer));
        }
        assertThrows(IOException.class, () -> store.openSnapshot(old).close(),
                "the older snapshot is no longer stored");
    }

    @Test
    void snapshotSurvivesReopen() throws IOException {
        byte[] data = payload(12, 3, 4096);
        SnapshotMeta meta = writeSnapshot(store, 12, 3, data);

        LogStore reopened = reopen();
        assertEquals(Optional.of(meta), reopened.latestSnapshot());
        assertArrayEquals(data, read(reopened, meta));
    }

    @Test
    void damagedSnapshotFailsAtOpenBeforeAByteIsRead() throws IOException {
        byte[] data = payload(12, 3, 3000);
        SnapshotMeta meta = writeSnapshot(store, 12, 3, data);
        store.close();
        damageSnapshot(dir, meta, data, 1500);

        LogStore reopened = reopen();
        assertEquals(Optional.of(meta), reopened.latestSnapshot(), "the damaged snapshot is still the latest");
        IOException error = assertThrows(IOException.class, () -> reopened.openSnapshot(meta).close(),
                "openSnapshot of a damaged snapshot must fail before the caller reads a byte: a state machine "
                        + "reads only what it wrote, so a check at the end of the stream comes too late");
        assertTrue(error.getMessage() != null && !error.getMessage().isBlank(), "the error says what is damaged");
    }

    // ---- Reopen ---------------------------------------------------------------------------------

    @Test
    void reopenRecoversEverything() throws IOException {
        HardState state = new HardState(3, NodeId.of("b"), 12);
        store.persist(new HardState(1, NodeId.of("a"), 0), entries(1, 10, 1));
        store.persist(state, entries(8, 8, 3));
        store.compact(6);
        SnapshotMeta meta = writeSnapshot(store, 6, 1, payload(6, 1, 777));

        LogStore reopened = reopen();
        assertEquals(state, reopened.hardState());
        assertEquals(7, reopened.firstIndex());
        assertEquals(15, reopened.lastIndex());
        assertEquals(1, reopened.term(6));
        List<LogEntry> expected = new ArrayList<>(entries(7, 1, 1));
        expected.addAll(entries(8, 8, 3));
        assertEquals(expected, reopened.entries(7, 16, ALL));
        assertEquals(Optional.of(meta), reopened.latestSnapshot());
        assertArrayEquals(payload(6, 1, 777), read(reopened, meta));

        reopened.persist(null, entries(16, 1, 3));
        assertEquals(16, reopened.lastIndex(), "the reopened store accepts writes");
    }

    @Test
    void closeIsIdempotent() throws IOException {
        store.persist(null, entries(1, 1, 1));
        store.close();
        store.close();
        assertEquals(1, reopen().lastIndex());
    }

    // ---- Out-of-range reads ---------------------------------------------------------------------

    @Test
    void readsOutsideTheLogAreRejected() throws IOException {
        store.persist(null, entries(1, 10, 1));
        store.compact(3);

        assertThrows(IllegalArgumentException.class, () -> store.term(11), "term after lastIndex");
        assertThrows(IllegalArgumentException.class, () -> store.term(2), "term before firstIndex - 1");
        assertThrows(IllegalArgumentException.class, () -> store.term(-1), "negative index");
        assertThrows(IllegalArgumentException.class, () -> store.entries(3, 5, ALL), "from before firstIndex");
        assertThrows(IllegalArgumentException.class, () -> store.entries(5, 12, ALL), "to after lastIndex + 1");
        assertThrows(IllegalArgumentException.class, () -> store.entries(6, 5, ALL), "to before from");
        assertThrows(IllegalArgumentException.class, () -> store.entries(4, 5, 0), "a zero byte budget");
        assertEquals(List.of(), store.entries(11, 11, ALL), "the empty range at lastIndex + 1");
        assertThrows(IllegalArgumentException.class, () -> store.compact(11), "compact beyond lastIndex");
    }

    // ---- Concurrent reads -----------------------------------------------------------------------

    /**
     * One writer appends, replaces suffixes with entries of a higher term and compacts, while readers
     * check that every read is a consistent state: entries intact, contiguous, terms never decreasing
     * along the log, and the hard state written with an entry visible once the entry is.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void concurrentReadsNeverSeeATornState() throws Exception {
        long seed = Long.getLong(SEED_PROPERTY, System.nanoTime());
        try {
            checkConcurrentReads(seed);
        } catch (AssertionError | Exception e) {
            throw new AssertionError("concurrent read check failed; replay with -D" + SEED_PROPERTY + "=" + seed, e);
        }
    }

    private void checkConcurrentReads(long seed) throws Exception {
        Random random = new Random(seed);
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService readers = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                long readerSeed = random.nextLong();
                results.add(readers.submit(() -> readUntilDone(new Random(readerSeed), writing)));
            }
            try {
                writeRandomly(random, 400);
            } finally {
                writing.set(false);
            }
            for (Future<Integer> result : results) {
                assertTrue(result.get(60, TimeUnit.SECONDS) > 0, "a reader completed no read");
            }
        } finally {
            readers.shutdownNow();
        }
    }

    /** Writes batches whose hard state commit index is the batch's last index, never shrinking the log. */
    private void writeRandomly(Random random, int batches) throws IOException {
        long term = 1;
        for (int i = 0; i < batches; i++) {
            long last = store.lastIndex();
            long first = last + 1;
            if (random.nextInt(4) == 0) {
                term++;
                first = Math.max(store.firstIndex(), last - random.nextInt(5));
            }
            int count = (int) (last - first + 1) + 1 + random.nextInt(8);
            List<LogEntry> batch = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                batch.add(entry(first + k, term, 20 + random.nextInt(200)));
            }
            store.persist(new HardState(term, null, first + count - 1), batch);
            if (random.nextInt(10) == 0) {
                store.compact(store.lastIndex() - random.nextInt(5) - 1);
            }
        }
    }

    private int readUntilDone(Random random, AtomicBoolean writing) throws IOException {
        int reads = 0;
        while (writing.get() || reads == 0) {
            long first = store.firstIndex();
            long last = store.lastIndex();
            if (last < first) {
                continue;
            }
            long from = first + (long) random.nextInt((int) Math.min(Integer.MAX_VALUE, last - first + 1));
            List<LogEntry> read;
            long termBefore;
            try {
                termBefore = store.term(from - 1);
                read = store.entries(from, last + 1, 1 + random.nextInt(4000));
            } catch (IllegalArgumentException e) {
                assertTrue(store.firstIndex() > from,
                        "a read inside the log failed though no compaction passed it: " + e.getMessage());
                continue;
            }
            assertTrue(!read.isEmpty(), "entries(" + from + ", " + (last + 1) + ") returned nothing");
            long previousTerm = termBefore;
            for (int k = 0; k < read.size(); k++) {
                LogEntry e = read.get(k);
                assertEquals(from + k, e.index(), "entries are contiguous from the requested index");
                assertArrayEquals(payload(e.index(), e.term(), e.payload().length), e.payload(),
                        "payload of entry " + e.index() + " matches its index and term");
                assertTrue(e.term() >= previousTerm, "term decreases at entry " + e.index() + ": torn log");
                previousTerm = e.term();
            }
            long highest = read.get(read.size() - 1).index();
            assertTrue(store.hardState().commitIndex() >= highest,
                    "entry " + highest + " visible before the hard state persisted with it");
            reads++;
        }
        return reads;
    }

    // ---- Helpers --------------------------------------------------------------------------------

    /** Opens a store on the test's directory and remembers it for closing. */
    private LogStore open() throws IOException {
        LogStore opened = openStore(dir);
        this.opened.add(opened);
        return opened;
    }

    /** Closes the current store and opens it again on the same directory. */
    private LogStore reopen() throws IOException {
        store.close();
        store = open();
        return store;
    }

    static SnapshotMeta writeSnapshot(LogStore target, long index, long term, byte[] data) throws IOException {
        try (SnapshotWriter writer = target.beginSnapshot(index, term, MEMBERSHIP)) {
            writer.output().write(data);
            return writer.commit();
        }
    }

    static byte[] read(LogStore target, SnapshotMeta meta) throws IOException {
        try (InputStream in = target.openSnapshot(meta)) {
            return in.readAllBytes();
        }
    }

    /** Returns {@code count} COMMAND entries from {@code first}, all of {@code term}, 100-byte payloads. */
    static List<LogEntry> entries(long first, int count, long term) {
        List<LogEntry> list = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            list.add(entry(first + k, term, 100));
        }
        return list;
    }

    static LogEntry entry(long index, long term, int size) {
        return new LogEntry(index, term, EntryKind.COMMAND, payload(index, term, size));
    }

    /** A payload determined by index, term and size, so any read can be checked on its own. */
    static byte[] payload(long index, long term, int size) {
        byte[] bytes = new byte[size];
        new Random(index * 1_000_003L + term).nextBytes(bytes);
        if (size >= 16) {
            ByteBuffer.wrap(bytes).putLong(index).putLong(term);
        }
        return bytes;
    }

    private static long crc32c(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        return crc.getValue();
    }
}
