package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.lmdb.MetaRecords.JournalMark;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints that move an ended journal epoch into LMDB in the background while persists go on
 * into the next: what readers see meanwhile, and what an open finds after a crash in the middle of
 * a move (the journal two epochs ahead of LMDB's mark).
 */
class LmdbCheckpointMoveTest {

    /** The smallest journal: two regions of about 510 KiB, a move starting past about 255 KiB. */
    private static final Map<String, String> SMALL_JOURNAL = Map.of("lmdb.journalSize", "1MiB");
    private static final int ENTRY_BYTES = 1000;
    private static final long TERM = 3;
    private static final Membership MEMBERSHIP = new Membership(0,
            Map.of(NodeId.of("a"), new Address("127.0.0.1", 7000)), Map.of());
    private static final byte[] SNAPSHOT_BYTES = "the state machine at 300".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    /**
     * An LMDB write transaction held open by another thread stops the move before its commit, as a
     * slow disk would. Persists go on into the next epoch meanwhile, and so does a snapshot's
     * publication (once an LMDB transaction of its own, it waited behind the move, holding up a
     * host's worker thread); reads see every acknowledged entry and the snapshot, and a copy of the
     * files taken then (a crash) opens with every entry and the snapshot: both epochs are replayed.
     */
    @Test
    @Timeout(120) // a write that waits for LMDB's writer would wait for the held transaction for ever
    void persistsAndSnapshotsGoOnWhileAMoveIsHeldUpAndACrashThenLosesNothing() throws Exception {
        Path data = dir.resolve("live");
        Path crashed = dir.resolve("crashed");
        SnapshotMeta snapshot;
        LmdbStorage storage = LmdbStorage.open(data, LmdbOptions.parse(SMALL_JOURNAL), false);
        try {
            LmdbLogStore log = storage.openLog(Keyspace.NONE, data.resolve(LmdbLogStore.SNAPSHOT_DIR), false);
            CountDownLatch holding = new CountDownLatch(1);
            Phaser release = new Phaser(1);
            CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
                try {
                    storage.env().write(txn -> {
                        holding.countDown();
                        release.awaitAdvance(0);
                        return null;
                    });
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            long last = 0;
            long epochBefore;
            try {
                assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
                epochBefore = journalEpoch(data);
                for (int batch = 0; batch < 40; batch++) { // about 400 KB: past half a region, less than two halves
                    log.persist(new HardState(TERM, null, last), entries(last + 1, 10));
                    last += 10;
                }
                try (SnapshotWriter writer = log.beginSnapshot(300, TERM, MEMBERSHIP)) {
                    writer.output().write(SNAPSHOT_BYTES);
                    snapshot = writer.commit();
                }
                assertLog(log, last);
                assertSnapshot(log, snapshot);
                copyStore(data, crashed);
            } finally {
                release.arrive();
            }
            holder.get(30, TimeUnit.SECONDS);
            assertLog(log, last);
            assertSnapshot(log, snapshot);
            log.close();

            assertThat(journalEpoch(crashed)).as("the crash came after the next epoch began").isEqualTo(epochBefore + 1);
            assertThat(journalMark(crashed).epoch()).as("and before the ended epoch's move committed")
                    .isEqualTo(epochBefore - 1);
        } finally {
            storage.close();
        }
        try (LmdbLogStore reopened = LmdbLogStore.open(crashed, SMALL_JOURNAL)) {
            assertLog(reopened, 400);
            assertThat(reopened.hardState()).isEqualTo(new HardState(TERM, null, 390));
            assertThat(reopened.latestSnapshot()).map(SnapshotMeta::index).contains(300L);
        }
        try (LmdbLogStore reopened = LmdbLogStore.open(data, SMALL_JOURNAL)) {
            assertLog(reopened, 400);
            assertSnapshot(reopened, snapshot);
        }
    }

    private static void assertSnapshot(LmdbLogStore log, SnapshotMeta snapshot) throws IOException {
        assertThat(log.latestSnapshot()).contains(snapshot);
        try (InputStream in = log.openSnapshot(snapshot)) {
            assertThat(in.readAllBytes()).isEqualTo(SNAPSHOT_BYTES);
        }
    }

    /**
     * Many moves while a reader reads: every read, whichever view it lands on (before, during or
     * after a move), returns the entries persisted, and so does a reopen. Entries are persisted in
     * batches, sometimes replacing a suffix with entries of a higher term, and the log is compacted
     * now and then. Seeded; the seed is in every failure message.
     */
    @Test
    void readersSeeEveryAcknowledgedEntryThroughManyMoves() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        AtomicReference<List<Long>> terms = new AtomicReference<>(new ArrayList<>(List.of(0L)));
        AtomicLong firstIndex = new AtomicLong(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        try (LmdbLogStore store = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> readWhile(store, writing, terms,
                    firstIndex, seed));
            List<Long> written = new ArrayList<>(List.of(0L));
            long term = 1;
            for (int batch = 0; batch < 1_500; batch++) {
                long from = written.size();
                int count = random.nextInt(8) + 1;
                if (random.nextInt(10) == 0 && from - firstIndex.get() > 5) {
                    int replaced = random.nextInt(5) + 1; // a new leader's entries replace a suffix, never shortening the log
                    from -= replaced;
                    count += replaced;
                    term++;
                }
                List<LogEntry> entries = new ArrayList<>();
                for (int k = 0; k < count; k++) {
                    entries.add(entry(from + k, term));
                }
                store.persist(new HardState(term, null, 0), entries);
                List<Long> next = new ArrayList<>(written.subList(0, (int) from));
                entries.forEach(entry -> next.add(entry.term()));
                written = next;
                terms.set(List.copyOf(written));
                if (random.nextInt(50) == 0) {
                    long through = firstIndex.get() + random.nextInt((int) (written.size() - firstIndex.get()));
                    firstIndex.set(through + 1); // readers stop asking below it before it is compacted
                    store.compact(through);
                }
            }
            writing.set(false);
            assertThat(reader.get(60, TimeUnit.SECONDS)).as("seed %d: reads", seed).isGreaterThan(0);
        }
        List<Long> expected = terms.get();
        try (LmdbLogStore reopened = LmdbLogStore.open(dir, SMALL_JOURNAL)) {
            assertThat(reopened.lastIndex()).as("seed %d", seed).isEqualTo(expected.size() - 1);
            assertThat(reopened.firstIndex()).as("seed %d", seed).isEqualTo(firstIndex.get());
            for (LogEntry entry : reopened.entries(reopened.firstIndex(), reopened.lastIndex() + 1, Long.MAX_VALUE)) {
                assertEntry(entry, expected.get((int) entry.index()), seed);
            }
        }
    }

    /** Reads random ranges until {@code writing} clears; returns how many reads it made. */
    private static int readWhile(LmdbLogStore store, AtomicBoolean writing, AtomicReference<List<Long>> terms,
            AtomicLong firstIndex, long seed) {
        Random random = new Random(seed + 1);
        int reads = 0;
        try {
            while (writing.get() || reads == 0) {
                List<Long> expected = terms.get(); // persisted before this read: every entry of it is acknowledged
                long first = firstIndex.get();
                long last = expected.size() - 1;
                if (last < first) {
                    continue;
                }
                long from = first + random.nextInt((int) (last - first + 1));
                long to = Math.min(last + 1, from + random.nextInt(64) + 1);
                List<LogEntry> read;
                try {
                    read = store.entries(from, to, Long.MAX_VALUE);
                } catch (IllegalArgumentException e) {
                    if (firstIndex.get() > from) {
                        continue; // compacted since this read began
                    }
                    throw e;
                }
                for (LogEntry entry : read) {
                    // a later persist may have replaced a suffix since the terms were read: only a higher term may show
                    assertThat(entry.term()).as("seed %d: term of %d", seed, entry.index())
                            .isGreaterThanOrEqualTo(expected.get((int) entry.index()));
                    assertThat(new String(entry.payload(), StandardCharsets.US_ASCII)).as("seed %d", seed)
                            .startsWith("<entry " + entry.index() + " of term " + entry.term() + ">");
                }
                reads++;
            }
            return reads;
        } catch (IOException e) {
            throw new IllegalStateException("seed " + seed, e);
        }
    }

    private static void assertLog(LmdbLogStore log, long last) throws IOException {
        assertThat(log.lastIndex()).isEqualTo(last);
        List<LogEntry> read = log.entries(1, last + 1, Long.MAX_VALUE);
        assertThat(read).hasSize((int) last);
        for (LogEntry entry : read) {
            assertEntry(entry, TERM, 0);
        }
    }

    private static void assertEntry(LogEntry entry, long term, long seed) {
        assertThat(entry.term()).as("seed %d: term of entry %d", seed, entry.index()).isEqualTo(term);
        assertThat(entry.payload()).as("seed %d: entry %d", seed, entry.index())
                .isEqualTo(entry(entry.index(), term).payload());
    }

    private static List<LogEntry> entries(long first, int count) {
        List<LogEntry> entries = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            entries.add(entry(first + k, TERM));
        }
        return entries;
    }

    private static LogEntry entry(long index, long term) {
        byte[] payload = new byte[ENTRY_BYTES];
        byte[] mark = ("<entry " + index + " of term " + term + ">").getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at < payload.length; at++) {
            payload[at] = mark[at % mark.length];
        }
        return new LogEntry(index, term, EntryKind.COMMAND, payload);
    }

    private static long journalEpoch(Path data) throws IOException {
        try (Journal journal = Journal.open(data.resolve(LmdbLogStore.ENV_DIR).resolve(LmdbLogStore.JOURNAL_FILE))) {
            return journal.epoch();
        }
    }

    private static JournalMark journalMark(Path data) throws IOException {
        try (LmdbEnvironment env = LmdbEnvironment.openReadOnly(data.resolve(LmdbLogStore.ENV_DIR))) {
            return env.read(txn -> LmdbStorage.readJournalMark(env, txn));
        }
    }

    /** Copies what a crash leaves of the store in {@code from}: its LMDB data file and journal. */
    private static void copyStore(Path from, Path to) throws IOException {
        Path envDir = Files.createDirectories(to.resolve(LmdbLogStore.ENV_DIR));
        for (String file : List.of(LmdbEnvironment.DATA_FILE, LmdbLogStore.JOURNAL_FILE)) {
            Files.copy(from.resolve(LmdbLogStore.ENV_DIR).resolve(file), envDir.resolve(file));
        }
    }
}
