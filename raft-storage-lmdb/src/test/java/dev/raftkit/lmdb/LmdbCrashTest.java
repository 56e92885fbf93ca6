package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing (and compacting) child JVM with SIGKILL at random moments and checks after each
 * kill that every acknowledged entry is present and intact, that entries and hard state were stored
 * together, that every acknowledged compaction holds (with the term at the log start), and that the
 * store accepts new writes. Run with the default journal, where most acknowledged writes
 * are recovered from the journal, and with a 1 MiB journal, where checkpoints into LMDB happen every
 * few dozen writes, so recovery starts from many different journal epochs and some kills land inside
 * a checkpoint. Run once more on a host's store whose child writes {@value #HOST_GROUPS} groups with
 * one {@link LmdbHostLogStore#persist} per batch: after each kill every group must hold the same
 * last index (a write of many groups survives for all of them or none), only its own entries, and
 * everything above. Seeded: the seed is printed on failure, and
 * {@code -Draftkit.crash.seed=N} replays it.
 */
class LmdbCrashTest {

    private static final int KILLS = 20;
    private static final int HOST_GROUPS = 3;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void acknowledgedWritesSurviveSigkill() throws Exception {
        killRepeatedly("64MiB", 0);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void acknowledgedWritesSurviveSigkillDuringCheckpoints() throws Exception {
        killRepeatedly("1MiB", 0);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void acknowledgedWritesOfManyGroupsSurviveSigkillAllOrNone() throws Exception {
        killRepeatedly("1MiB", HOST_GROUPS);
    }

    /** Kills a child writing a single node's store ({@code groups} 0) or a host's with that many groups. */
    private void killRepeatedly(String journalSize, int groups) throws Exception {
        long seed = Long.getLong("raftkit.crash.seed", System.nanoTime());
        try {
            killRepeatedly(new Random(seed), journalSize, groups);
        } catch (AssertionError | Exception e) {
            throw new AssertionError("crash test (journal " + journalSize + ") failed; replay with"
                    + " -Draftkit.crash.seed=" + seed, e);
        }
    }

    private void killRepeatedly(Random random, String journalSize, int groups) throws Exception {
        long expectedLast = 0;
        long compacted = 0;
        for (int run = 1; run <= KILLS; run++) {
            long term = 2L * run - 1;
            Acks acks = runAndKill(term, random, journalSize, groups);
            long acked = acks.last().get();
            assertThat(acked).as("run %d acknowledged something", run).isGreaterThan(expectedLast);
            compacted = Math.max(compacted, acks.compacted().get());
            Recovered recovered = new Recovered(run, acked, compacted);
            if (groups == 0) {
                try (LmdbLogStore store = LmdbLogStore.open(dir, CrashChild.options(journalSize))) {
                    long next = recovered.check(store, term, -1);
                    store.persist(new HardState(term + 1, null, next), List.of(CrashChild.entry(next, term + 1)));
                    assertThat(store.entries(next, next + 1, Long.MAX_VALUE))
                            .containsExactly(CrashChild.entry(next, term + 1));
                    expectedLast = next;
                }
                continue;
            }
            try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, CrashChild.options(journalSize))) {
                assertThat(host.groups()).as("run %d: every group that acknowledged a write is registered, whether"
                        + " its records were checkpointed or only in the journal", run)
                        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, groups).mapToObj(CrashChild::group)
                                .toList());
                List<GroupWrite> writes = new ArrayList<>();
                long next = -1;
                for (int g = 0; g < groups; g++) {
                    LogStore store = host.group(CrashChild.group(g));
                    long groupNext = recovered.check(store, CrashChild.groupTerm(term, g), g);
                    assertThat(next).as("run %d: every group recovered the same last index", run)
                            .isIn(-1L, groupNext);
                    next = groupNext;
                    long nextTerm = CrashChild.groupTerm(term + 1, g);
                    writes.add(new GroupWrite(CrashChild.group(g), new HardState(nextTerm, null, next),
                            List.of(CrashChild.entry(next, nextTerm))));
                }
                host.persist(writes);
                expectedLast = next;
            }
        }
        assertThat(compacted).as("the children compacted").isPositive();
    }

    /** What run {@code run} acknowledged: its last index and the highest compaction so far. */
    private record Recovered(int run, long acked, long compacted) {

        /**
         * Checks what {@code store} recovered, whose entries were written in terms up to
         * {@code term} (each term's remainder by {@link CrashChild#MAX_GROUPS} being {@code group},
         * unless that is negative); returns the index to write next.
         */
        long check(LogStore store, long term, int group) throws IOException {
            long last = store.lastIndex();
            assertThat(last).as("run %d: last index covers every acknowledged entry", run)
                    .isGreaterThanOrEqualTo(acked);
            HardState hardState = store.hardState();
            assertThat(hardState.commitIndex()).as("run %d: hard state persisted with its entries", run)
                    .isEqualTo(last);
            checkEntries(store, last, group);
            long start = store.firstIndex() - 1;
            assertThat(start).as("run %d: every acknowledged compaction holds", run).isGreaterThanOrEqualTo(compacted);
            long startTerm = store.term(start);
            assertThat(startTerm).as("run %d: term at the log start %d", run, start)
                    .isBetween(start == 0 ? 0L : 1L, last > start ? store.term(start + 1) : term);
            return last + 1;
        }
    }

    /** What a child acknowledged: its last persisted index and its highest compaction. */
    private record Acks(AtomicLong last, AtomicLong compacted) {
    }

    /** Starts a child writing entries of {@code term}, kills it at a random moment, returns its acks. */
    private Acks runAndKill(long term, Random random, String journalSize, int groups) throws Exception {
        Path log = dir.resolve("child-stderr.log");
        Process child = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName(), dir.toString(), Long.toString(term), Long.toString(random.nextLong()),
                journalSize, Integer.toString(groups))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        Acks acks = new Acks(new AtomicLong(), new AtomicLong());
        CountDownLatch firstAck = new CountDownLatch(1);
        Thread reader = new Thread(() -> readAcks(child, acks, firstAck), "crash-child-acks");
        reader.start();
        try {
            boolean writing = firstAck.await(60, TimeUnit.SECONDS);
            assertThat(writing).as("child acknowledged a write within 60 s; its stderr is in %s: %s", log,
                    Files.exists(log) ? Files.readString(log) : "").isTrue();
            Thread.sleep(random.nextInt(300));
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("killed child exited").isTrue();
            reader.join(10_000);
        }
        return acks;
    }

    private static void readAcks(Process child, Acks acks, CountDownLatch firstAck) {
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    acks.last().set(Long.parseLong(line.substring(4)));
                    firstAck.countDown();
                } else if (line.startsWith("COMPACTED ")) {
                    acks.compacted().set(Long.parseLong(line.substring(10)));
                }
            }
        } catch (IOException e) {
            // The pipe breaks when the child is killed; what was read before counts.
        }
    }

    /**
     * Checks every entry is the one its index and term determine, with terms never decreasing, and
     * each of group {@code group}'s terms (unless it is negative).
     */
    private static void checkEntries(LogStore store, long last, int group) throws IOException {
        long previousTerm = 0;
        long index = store.firstIndex();
        while (index <= last) {
            List<LogEntry> read = store.entries(index, last + 1, 1 << 20);
            for (LogEntry entry : read) {
                assertThat(entry).isEqualTo(CrashChild.entry(entry.index(), entry.term()));
                assertThat(entry.term()).as("term at %d", entry.index()).isGreaterThanOrEqualTo(previousTerm);
                if (group >= 0) {
                    assertThat(entry.term() % CrashChild.MAX_GROUPS).as("group of the entry at %d", entry.index())
                            .isEqualTo(group);
                }
                previousTerm = entry.term();
            }
            index += read.size();
        }
    }
}
