package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.Cursor;

/**
 * The store with its journal: what goes to the journal and what to LMDB, checkpoints, recovery after
 * a crash in a checkpoint, and journals left by other settings or versions.
 */
class LmdbJournalStoreTest {

    private static final Map<String, String> SMALL_JOURNAL = Map.of("lmdb.journalSize", "1MiB");

    @TempDir
    Path dir;

    private Path dataFile() {
        return dir.resolve("lmdb").resolve("data.mdb");
    }

    private Path journalFile() {
        return dir.resolve("lmdb").resolve(LmdbLogStore.JOURNAL_FILE);
    }

    @Test
    void persistGoesToTheJournalAndReachesLmdbAtTheNextOpen() throws IOException {
        LogEntry entry = marked(1, 1, 200);
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(new HardState(1, null, 0), List.of(entry));
        }
        assertThat(contains(journalFile(), entry.payload())).isTrue();
        assertThat(contains(dataFile(), entry.payload())).isFalse();

        LmdbLogStore.open(dir, SMALL_JOURNAL).close();
        assertThat(contains(dataFile(), entry.payload())).as("moved into LMDB at open").isTrue();
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertThat(store.entries(1, 2, Long.MAX_VALUE)).containsExactly(entry);
            assertThat(store.hardState()).isEqualTo(new HardState(1, null, 0));
        }
    }

    @Test
    void recordLargerThanHalfTheJournalGoesStraightToLmdb() throws IOException {
        LogEntry small = marked(1, 1, 100);
        LogEntry large = marked(2, 1, 600_000);
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(null, List.of(small));
            store.persist(new HardState(1, null, 2), List.of(large));
            assertThat(store.entries(1, 3, Long.MAX_VALUE)).containsExactly(small, large);
        }
        assertThat(contains(dataFile(), large.payload())).isTrue();
        assertThat(contains(dataFile(), small.payload())).as("checkpointed before the large write").isTrue();
        assertThat(contains(journalFile(), large.payload())).isFalse();
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertThat(store.entries(1, 3, Long.MAX_VALUE)).containsExactly(small, large);
            assertThat(store.hardState()).isEqualTo(new HardState(1, null, 2));
        }
    }

    /**
     * A crash after a checkpoint's LMDB commit but before its new journal epoch leaves LMDB holding
     * the journal's records while the journal still offers them. Rebuilt here by putting back the
     * journal as it was before the open that checkpointed it.
     */
    @Test
    void crashBetweenCheckpointCommitAndNewEpochReplaysToTheSameState() throws IOException {
        HardState state = new HardState(2, NodeId.of("b"), 6);
        List<LogEntry> expected = new ArrayList<>();
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(new HardState(1, NodeId.of("a"), 0), entries(1, 10, 1));
            store.persist(state, entries(5, 3, 2)); // replaces 5..10 with 5..7 of term 2
            store.persist(null, entries(8, 1, 2));
            expected.addAll(entries(1, 4, 1));
            expected.addAll(entries(5, 4, 2));
        }
        byte[] journalBeforeCheckpoint = Files.readAllBytes(journalFile());
        LmdbLogStore.open(dir, SMALL_JOURNAL).close(); // checkpoints into LMDB, starts a new epoch
        Files.write(journalFile(), journalBeforeCheckpoint);

        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertThat(store.lastIndex()).isEqualTo(8);
            assertThat(store.entries(1, 9, Long.MAX_VALUE)).isEqualTo(expected);
            assertThat(store.hardState()).isEqualTo(state);
        }
    }

    /**
     * Compaction is a journal record: LMDB keeps the compacted entries until a checkpoint, yet the
     * log reads as compacted at once, and after a reopen (whose checkpoint applies the record).
     */
    @Test
    void compactionRecordedOnlyInTheJournalSurvivesReopen() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(new HardState(1, null, 6), entries(1, 6, 1));
        }
        LmdbLogStore.open(dir, SMALL_JOURNAL).close(); // entries 1..6 now in LMDB, journal empty
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(null, entries(5, 4, 2)); // replaces 5..6, in the journal only
            store.compact(3); // in LMDB
            List<LogEntry> expected = new ArrayList<>(entries(4, 1, 1));
            expected.addAll(entries(5, 4, 2));
            assertLog(store, 4, 1, expected);
            store.compact(6); // in the journal's overlay
            assertLog(store, 7, 2, entries(7, 2, 2));
            store.compact(5); // behind the log start: nothing
            assertLog(store, 7, 2, entries(7, 2, 2));
            assertThat(contains(dataFile(), marked(2, 1, 64).payload())).as("no checkpoint: still in LMDB").isTrue();
            assertThat(contains(journalFile(), marked(8, 2, 64).payload())).isTrue();
        }
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertLog(store, 7, 2, entries(7, 2, 2));
            assertThat(store.hardState()).isEqualTo(new HardState(1, null, 6));
            store.persist(null, entries(9, 1, 2));
            assertLog(store, 7, 2, entries(7, 3, 2));
        }
        assertThat(lmdbEntryKeys()).as("the checkpoint at open deleted the compacted entries").containsExactly(7L, 8L);
    }

    /** A compaction through every entry of the log, then more entries, a checkpoint, and a reopen. */
    @Test
    void compactionThenPersistsAcrossACheckpointSurviveReopen() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(null, entries(1, 3, 1));
            store.compact(3);
            assertLog(store, 4, 1, List.of());
            for (long index = 4; index < 24; index++) { // 20 x 64 KiB: crosses a checkpoint of the 1 MiB journal
                store.persist(new HardState(2, null, index), List.of(marked(index, 2, 64 << 10)));
                if (index == 10) {
                    store.compact(8);
                }
            }
            store.compact(20);
        }
        assertThat(lmdbEntryKeys()).as("checkpointed while open, only the entries after 8").isNotEmpty()
                .allSatisfy(key -> assertThat(key).isGreaterThan(8));
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertThat(store.firstIndex()).isEqualTo(21);
            assertThat(store.term(20)).isEqualTo(2);
            assertThat(store.entries(21, 24, Long.MAX_VALUE))
                    .containsExactly(marked(21, 2, 64 << 10), marked(22, 2, 64 << 10), marked(23, 2, 64 << 10));
            assertThat(store.hardState()).isEqualTo(new HardState(2, null, 23));
        }
        assertThat(lmdbEntryKeys()).containsExactly(21L, 22L, 23L);
    }

    /**
     * As {@link #crashBetweenCheckpointCommitAndNewEpochReplaysToTheSameState}, with compactions in
     * the journal: LMDB then holds a log start above the first records' entries and a last index
     * below the first record's, which the records must be replayed onto unchanged.
     */
    @Test
    void crashBetweenCheckpointCommitAndNewEpochWithCompactionsReplaysToTheSameState() throws IOException {
        HardState state = new HardState(3, NodeId.of("c"), 6);
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(null, entries(1, 4, 1));
        }
        LmdbLogStore.open(dir, SMALL_JOURNAL).close(); // 1..4 in LMDB
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(new HardState(1, NodeId.of("a"), 0), entries(5, 10, 1)); // 5..14
            store.compact(6);
            store.persist(state, entries(8, 2, 3)); // replaces 8..14 with 8..9 of term 3
            store.compact(7);
        }
        byte[] journalBeforeCheckpoint = Files.readAllBytes(journalFile());
        LmdbLogStore.open(dir, SMALL_JOURNAL).close(); // checkpoints into LMDB, starts a new epoch
        Files.write(journalFile(), journalBeforeCheckpoint);

        for (int open = 0; open < 2; open++) {
            try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
                assertLog(store, 8, 1, entries(8, 2, 3));
                assertThat(store.hardState()).isEqualTo(state);
            }
            assertThat(lmdbEntryKeys()).containsExactly(8L, 9L);
        }
    }

    @Test
    void storeOfFormatTwoIsStampedWithTheCurrentFormatAndKeepsItsLog() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(new HardState(1, null, 2), entries(1, 2, 1));
        }
        try (LmdbEnvironment env = LmdbEnvironment.open(dir.resolve("lmdb"), LmdbOptions.parse(SMALL_JOURNAL))) {
            env.write(txn -> env.meta().put(txn, MetaRecords.FORMAT, MetaRecords.encodeFormat(2)));
        }
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertLog(store, 1, 0, entries(1, 2, 1));
            store.compact(1);
        }
        try (LmdbEnvironment env = LmdbEnvironment.open(dir.resolve("lmdb"), LmdbOptions.parse(SMALL_JOURNAL))) {
            int format = env.read(txn -> MetaRecords.decodeFormat(env.meta().get(txn, MetaRecords.FORMAT), dataFile()));
            assertThat(format).isEqualTo(LmdbLogStore.FORMAT_VERSION);
        }
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertLog(store, 2, 1, entries(2, 1, 1));
        }
    }

    /**
     * A store of format 3 has a version 1 journal (no id, no size) and no journal mark: its records
     * are replayed, the journal replaced by one with an id, and the mark written, so from then on a
     * lost journal is refused. Rebuilt here by rewriting a new store's header and meta records as
     * format 3 wrote them (the records themselves did not change).
     */
    @Test
    void storeOfFormatThreeWithAVersionOneJournalIsUpgradedAndThenGuarded() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(new HardState(1, null, 2), entries(1, 2, 1));
        }
        ByteBuffer slot = ByteBuffer.wrap(Files.readAllBytes(journalFile()), 2048, 48).slice(); // epoch 1's slot
        ByteBuffer legacy = ByteBuffer.allocate(32).putLong(slot.getLong(0)).putInt(1).putLong(slot.getLong(20))
                .putLong(slot.getLong(28));
        CRC32C crc = new CRC32C();
        crc.update(legacy.array(), 0, legacy.position());
        legacy.putInt((int) crc.getValue());
        try (FileChannel channel = FileChannel.open(journalFile(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[48]), 2048);
            channel.write(legacy.flip(), 2048);
        }
        try (LmdbEnvironment env = LmdbEnvironment.open(dir.resolve("lmdb"), LmdbOptions.parse(SMALL_JOURNAL))) {
            env.write(txn -> {
                env.meta().put(txn, MetaRecords.FORMAT, MetaRecords.encodeFormat(3));
                return env.meta().delete(txn, MetaRecords.JOURNAL);
            });
        }

        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertLog(store, 1, 0, entries(1, 2, 1));
            assertThat(store.hardState()).isEqualTo(new HardState(1, null, 2));
        }
        try (Journal journal = Journal.open(journalFile())) {
            assertThat(journal.legacy()).isFalse();
        }
        Files.delete(journalFile());
        assertThatThrownBy(() -> LmdbLogStore.open(dir, SMALL_JOURNAL)).isInstanceOf(IOException.class)
                .hasMessageContaining("is missing");
    }

    /**
     * A store written by 0.2 has a version 2 journal (one region for every epoch): its records are
     * replayed and the journal replaced by one of version 3 with the same id. Rebuilt here by
     * rewriting a new journal's header as version 2 (at epoch 1 its records are where version 2
     * put them).
     */
    @Test
    void versionTwoJournalIsReplayedAndReplacedByATwoRegionOne() throws IOException {
        long id;
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(new HardState(1, null, 2), entries(1, 2, 1));
        }
        ByteBuffer slot = ByteBuffer.wrap(Files.readAllBytes(journalFile()), 2048, 48); // epoch 1's slot
        slot.putInt(2048 + Long.BYTES, 2);
        CRC32C crc = new CRC32C();
        crc.update(slot.array(), 2048, 44);
        slot.putInt(2048 + 44, (int) crc.getValue());
        try (FileChannel channel = FileChannel.open(journalFile(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(slot.array(), 2048, 48), 2048);
        }
        try (Journal journal = Journal.open(journalFile())) {
            assertThat(journal.outdated()).isTrue();
            id = journal.id();
        }

        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertLog(store, 1, 0, entries(1, 2, 1));
            assertThat(store.hardState()).isEqualTo(new HardState(1, null, 2));
            store.persist(null, entries(3, 1, 1));
        }
        try (Journal journal = Journal.open(journalFile())) {
            assertThat(journal.outdated()).isFalse();
            assertThat(journal.id()).isEqualTo(id);
        }
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertLog(store, 1, 0, entries(1, 3, 1));
        }
    }

    /**
     * Suffix replacements within one journal epoch (compactions no longer end one): the in-memory
     * overlay must size its array by what it holds (it once doubled it on every replacement, so a
     * few dozen ran out of memory).
     */
    @Test
    void manySuffixReplacementsWithinOneEpochKeepTheOverlaySmall() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, Map.of())) {
            store.persist(null, entries(1, 2, 1));
            store.compact(1);
            for (long term = 2; term < 200; term++) {
                store.persist(new HardState(term, null, 0), entries(2, 2, term));
            }
            assertLog(store, 2, 1, entries(2, 2, 199));
        }
    }

    @Test
    void compactAndResetSurviveReopen() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(new HardState(3, null, 9), entries(1, 10, 3));
            store.compact(4);
            assertThat(store.entries(5, 11, Long.MAX_VALUE)).isEqualTo(entries(5, 6, 3));
            store.persist(null, entries(11, 2, 3));
            store.reset(20, 4);
            store.persist(null, entries(21, 1, 4));
        }
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertThat(store.firstIndex()).isEqualTo(21);
            assertThat(store.term(20)).isEqualTo(4);
            assertThat(store.entries(21, 22, Long.MAX_VALUE)).isEqualTo(entries(21, 1, 4));
            assertThat(store.hardState()).isEqualTo(new HardState(3, null, 9));
        }
    }

    /**
     * Random appends, suffix replacements, hard states and compactions through many checkpoints of a
     * 1 MiB journal, checked against a model after every operation and every reopen. Some reopens
     * follow a crash between the checkpoint at open and its new epoch (rebuilt by putting the
     * journal back), so the same records are replayed onto LMDB twice.
     */
    @Test
    void reopenAfterManyCheckpointsGivesTheExactLogAndHardState() throws IOException {
        long seed = Long.getLong("raftkit.journal.seed", System.nanoTime());
        try {
            writeAndReopen(new Random(seed));
        } catch (AssertionError | IOException | RuntimeException e) {
            throw new AssertionError("failed; replay with -Draftkit.journal.seed=" + seed, e);
        }
    }

    private void writeAndReopen(Random random) throws IOException {
        List<LogEntry> model = new ArrayList<>(); // entries [firstIndex, lastIndex]
        long firstIndex = 1;
        long startTerm = 0; // the term at firstIndex - 1
        HardState state = HardState.INITIAL;
        long term = 1;
        long journalBytes = 0;
        int compactions = 0;
        for (int session = 0; session < 10; session++) {
            try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
                assertLog(store, firstIndex, startTerm, model);
                assertThat(store.hardState()).isEqualTo(state);
                for (int op = 0; op < 120; op++) {
                    long last = firstIndex + model.size() - 1;
                    long from = last + 1;
                    if (random.nextInt(5) == 0) {
                        term++;
                        from = Math.max(firstIndex, last - random.nextInt(20));
                    }
                    List<LogEntry> batch = new ArrayList<>();
                    int count = 1 + random.nextInt(16);
                    for (int k = 0; k < count; k++) {
                        batch.add(marked(from + k, term, 50 + random.nextInt(3000)));
                    }
                    HardState next = random.nextBoolean() ? new HardState(term, NodeId.of("n" + term), from) : null;
                    store.persist(next, batch);
                    journalBytes += batch.stream().mapToLong(LogEntry::sizeBytes).sum();
                    model.subList((int) (from - firstIndex), model.size()).clear();
                    model.addAll(batch);
                    state = next == null ? state : next;
                    if (random.nextInt(8) == 0) {
                        // through any index of the log, its last included, or one before its start
                        long through = firstIndex - 1 + random.nextInt(model.size() + 1);
                        store.compact(through);
                        if (through >= firstIndex) {
                            startTerm = model.get((int) (through - firstIndex)).term();
                            model.subList(0, (int) (through - firstIndex + 1)).clear();
                            firstIndex = through + 1;
                            compactions++;
                        }
                        assertLog(store, firstIndex, startTerm, model);
                    }
                }
                assertLog(store, firstIndex, startTerm, model);
            }
            if (random.nextInt(3) == 0) {
                byte[] journalBeforeCheckpoint = Files.readAllBytes(journalFile());
                LmdbLogStore.open(dir, SMALL_JOURNAL).close();
                Files.write(journalFile(), journalBeforeCheckpoint);
            }
        }
        assertThat(journalBytes).as("enough written for many checkpoints").isGreaterThan(10L << 20);
        assertThat(compactions).as("compacted often").isGreaterThan(50);
    }

    /**
     * Readers on other threads while the writer appends, replaces suffixes reaching back into LMDB,
     * compacts and checkpoints many times: every read must be one state of the log, entries intact
     * and contiguous, terms never decreasing, the hard state written with an entry visible with it.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void readsDuringCheckpointsSeeOneStateOfTheLog() throws Exception {
        long seed = Long.getLong("raftkit.journal.seed", System.nanoTime());
        ExecutorService readers = Executors.newFixedThreadPool(2);
        AtomicBoolean writing = new AtomicBoolean(true);
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            List<Future<Integer>> reads = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                reads.add(readers.submit(() -> readWhile(store, writing)));
            }
            try {
                writeAcrossCheckpoints(store, new Random(seed));
            } finally {
                writing.set(false);
            }
            for (Future<Integer> read : reads) {
                assertThat(read.get(60, TimeUnit.SECONDS)).isPositive();
            }
        } catch (AssertionError | ExecutionException e) {
            throw new AssertionError("failed; replay with -Draftkit.journal.seed=" + seed, e);
        } finally {
            readers.shutdownNow();
        }
    }

    private static void writeAcrossCheckpoints(LmdbLogStore store, Random random) throws IOException {
        long term = 1;
        for (int op = 0; op < 1500; op++) {
            long first = store.lastIndex() + 1;
            if (random.nextInt(4) == 0) {
                term++;
                first = Math.max(store.firstIndex(), first - 1 - random.nextInt(40));
            }
            List<LogEntry> batch = new ArrayList<>();
            int count = (int) (store.lastIndex() + 1 - first) + 1 + random.nextInt(8);
            for (int k = 0; k < count; k++) {
                batch.add(marked(first + k, term, 100 + random.nextInt(2000)));
            }
            store.persist(new HardState(term, null, first + count - 1), batch);
            if (random.nextInt(50) == 0) {
                store.compact(store.lastIndex() - 50);
            }
        }
    }

    private static int readWhile(LmdbLogStore store, AtomicBoolean writing) throws IOException {
        int reads = 0;
        while (writing.get() || reads == 0) {
            long first = store.firstIndex();
            long last = store.lastIndex();
            if (last - first < 60) {
                continue;
            }
            long from = last - 60;
            List<LogEntry> read;
            long previousTerm;
            try {
                previousTerm = store.term(from - 1);
                read = store.entries(from, last + 1, Long.MAX_VALUE);
            } catch (IllegalArgumentException e) {
                continue; // compacted past from, or a suffix replaced, between the calls
            }
            for (int k = 0; k < read.size(); k++) {
                LogEntry entry = read.get(k);
                assertThat(entry.index()).isEqualTo(from + k);
                assertThat(entry).isEqualTo(marked(entry.index(), entry.term(), entry.payload().length));
                assertThat(entry.term()).as("term at %d", entry.index()).isGreaterThanOrEqualTo(previousTerm);
                previousTerm = entry.term();
            }
            assertThat(store.hardState().commitIndex()).isGreaterThanOrEqualTo(read.get(read.size() - 1).index());
            reads++;
        }
        return reads;
    }

    @Test
    void journalOfAnotherSizeIsReplacedKeepingItsRecords() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(new HardState(1, null, 3), entries(1, 3, 1));
        }
        try (LmdbLogStore store = LmdbLogStore.open(dir, Map.of("lmdb.journalSize", "2MiB"))) {
            assertThat(store.entries(1, 4, Long.MAX_VALUE)).isEqualTo(entries(1, 3, 1));
            store.persist(null, entries(4, 1, 1));
        }
        assertThat(Files.size(journalFile())).isEqualTo(2L << 20);
        try (LmdbLogStore store = LmdbLogStore.open(dir, Map.of("lmdb.journalSize", "2MiB"))) {
            assertThat(store.entries(1, 5, Long.MAX_VALUE)).isEqualTo(entries(1, 4, 1));
        }
    }

    @Test
    void storeWithoutAJournalGetsOneAndAJournalIsAppliedAndRemovedWhenSyncIsNotFull() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, Map.of("lmdb.sync", "nosync"))) {
            store.persist(null, entries(1, 2, 1));
        }
        assertThat(journalFile()).doesNotExist();
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertThat(store.entries(1, 3, Long.MAX_VALUE)).isEqualTo(entries(1, 2, 1));
            store.persist(new HardState(1, null, 3), entries(3, 1, 1));
        }
        assertThat(journalFile()).exists();
        try (LmdbLogStore store = LmdbLogStore.open(dir, Map.of("lmdb.sync", "nometasync"))) {
            assertThat(store.entries(1, 4, Long.MAX_VALUE)).isEqualTo(entries(1, 3, 1));
            assertThat(store.hardState()).isEqualTo(new HardState(1, null, 3));
        }
        assertThat(journalFile()).doesNotExist();
    }

    /**
     * Without a journal ({@code nosync}), a snapshot and a compaction are LMDB transactions of their
     * own: both hold across a reopen, with the journal-less store and with a journaled one.
     */
    @Test
    void snapshotAndCompactionWithoutAJournalAreStoredInLmdb() throws IOException {
        Membership membership = new Membership(0, Map.of(NodeId.of("a"), new Address("127.0.0.1", 7000)), Map.of());
        byte[] state = "the state machine at 2".getBytes(StandardCharsets.US_ASCII);
        SnapshotMeta snapshot;
        try (LmdbLogStore store = LmdbLogStore.open(dir, Map.of("lmdb.sync", "nosync"))) {
            store.persist(null, entries(1, 3, 1));
            try (SnapshotWriter writer = store.beginSnapshot(2, 1, membership)) {
                writer.output().write(state);
                snapshot = writer.commit();
            }
            store.compact(2);
            assertThat(store.latestSnapshot()).contains(snapshot);
        }
        for (Map<String, String> options : List.of(Map.of("lmdb.sync", "nosync"), SMALL_JOURNAL)) {
            try (LmdbLogStore store = LmdbLogStore.open(dir, options)) {
                assertThat(store.latestSnapshot()).as("%s", options).contains(snapshot);
                try (InputStream in = store.openSnapshot(snapshot)) {
                    assertThat(in.readAllBytes()).isEqualTo(state);
                }
                assertThat(store.firstIndex()).as("%s", options).isEqualTo(3);
                assertThat(store.entries(3, 4, Long.MAX_VALUE)).isEqualTo(entries(3, 1, 1));
            }
        }
    }

    @Test
    void damagedJournalRecordFailsOpenNamingTheJournal() throws IOException {
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            store.persist(null, List.of(marked(1, 1, 300)));
            store.persist(null, List.of(marked(2, 1, 300)));
        }
        byte[] journal = Files.readAllBytes(journalFile());
        journal[Journal.RECORDS_START + 100] ^= 0x01;
        Files.write(journalFile(), journal);

        assertThatThrownBy(() -> LmdbLogStore.open(dir, SMALL_JOURNAL)).isInstanceOf(IOException.class)
                .hasMessageContaining(journalFile().toString())
                .hasMessageContaining("offset " + Journal.RECORDS_START);
    }

    @Test
    void badJournalSizeIsAClearError() {
        assertThatThrownBy(() -> LmdbLogStore.open(dir, Map.of("lmdb.journalSize", "a lot")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lmdb.journalSize");
    }

    // ---- Helpers ---------------------------------------------------------------------------------

    /** Asserts the log starts after {@code startTerm}'s position {@code first - 1} and holds {@code expected}. */
    private static void assertLog(LmdbLogStore store, long first, long startTerm, List<LogEntry> expected)
            throws IOException {
        assertThat(store.firstIndex()).as("first index").isEqualTo(first);
        assertThat(store.lastIndex()).as("last index").isEqualTo(first + expected.size() - 1);
        assertThat(store.term(first - 1)).as("term at the log start").isEqualTo(startTerm);
        assertThat(readAll(store)).isEqualTo(expected);
        assertThatThrownBy(() -> store.term(first - 2)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Returns the indexes of the entries LMDB holds; the store must be closed. */
    private List<Long> lmdbEntryKeys() throws IOException {
        try (LmdbEnvironment env = LmdbEnvironment.open(dir.resolve("lmdb"), LmdbOptions.parse(SMALL_JOURNAL))) {
            return env.read(txn -> {
                List<Long> keys = new ArrayList<>();
                try (Cursor<byte[]> cursor = env.entries().openCursor(txn)) {
                    for (boolean found = cursor.first(); found; found = cursor.next()) {
                        keys.add(EntryCodec.index(cursor.key()));
                    }
                }
                return keys;
            });
        }
    }

    private static List<LogEntry> readAll(LmdbLogStore store) throws IOException {
        List<LogEntry> read = new ArrayList<>();
        long to = store.lastIndex() + 1;
        while (store.firstIndex() + read.size() < to) {
            read.addAll(store.entries(store.firstIndex() + read.size(), to, 1 << 16));
        }
        return read;
    }

    private static List<LogEntry> entries(long first, int count, long term) {
        List<LogEntry> list = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            list.add(marked(first + k, term, 64));
        }
        return list;
    }

    /** An entry whose payload names its index and term, so it can be found in a file. */
    private static LogEntry marked(long index, long term, int size) {
        byte[] payload = new byte[size];
        byte[] mark = ("<entry " + index + " of term " + term + ">").getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at < size; at++) {
            payload[at] = mark[at % mark.length];
        }
        return new LogEntry(index, term, EntryKind.COMMAND, payload);
    }

    /** Returns whether {@code file} holds the start of {@code payload}, which is enough to tell entries apart. */
    private static boolean contains(Path file, byte[] payload) throws IOException {
        return FileContent.contains(file, Arrays.copyOf(payload, Math.min(payload.length, 64)));
    }
}
