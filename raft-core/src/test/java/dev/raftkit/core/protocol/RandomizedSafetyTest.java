package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded random walks over the scenario harness: ticks, deliveries in random order, drops,
 * duplicates, slow persists, crashes and partitions, with Raft's safety properties (§5.2 Figure 3) checked after
 * every step: Election Safety, State Machine Safety (every node applies the same entry at an index),
 * exactly-once, in-order apply per incarnation, and that a confirmed ReadIndex read is at least the
 * highest commit index any node knew when the read was issued (no stale reads); at the end Log
 * Matching over the durable logs and liveness once the faults stop.
 * A failure names the seed and step, and the run is reproducible from them.
 */
class RandomizedSafetyTest {

    /** Walks per run; raise it for a longer hunt with {@code -Draftkit.core.walks=5000}. */
    private static final int SEEDS = Integer.getInteger("raftkit.core.walks", 150);
    private static final int STEPS = 1500;

    @Test
    void safetyHoldsUnderRandomFaults() {
        long applied = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            try {
                applied += walk(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("random walk failed with seed " + seed + ": " + e.getMessage(), e);
            }
        }
        System.out.printf("random walks: %d seeds x %d steps, %d entries committed%n", SEEDS, STEPS, applied);
        assertThat(applied).as("entries committed over all walks").isGreaterThan(SEEDS * 5L);
    }

    /** Runs one walk; returns how many distinct indices were applied, to show it made progress. */
    private static int walk(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int size = random.nextBoolean() ? 3 : 5;
        String[] ids = ids(size);
        // Every other walk quiesces idle groups, with the host's liveness waking nodes at random.
        CoreOptions options = new CoreOptions(10, 20, 1, random.nextBoolean(), random.nextBoolean(),
                random.nextBoolean() ? 1 : CoreOptions.DEFAULT_MAX_APPEND_BYTES, 1024, 1 << 20, false, false)
                .withQuiesce(seed % 2 == 0);
        TestCluster c = new TestCluster(options, seed, ids);
        for (String id : ids) {
            c.setManualPersist(id, true);
        }
        Map<Long, String> leaderOfTerm = new HashMap<>();
        Map<Long, LogEntry> appliedAt = new HashMap<>();
        /** How many applied entries of each node's incarnation ("id#n") were checked already. */
        Map<String, Integer> checked = new HashMap<>();
        int proposals = 0;
        /** The highest commit index any node knew when each read was issued, by read context. */
        Map<Long, Long> commitAtRead = new HashMap<>();

        for (int step = 0; step < STEPS; step++) {
            String node = ids[random.nextInt(size)];
            int action = random.nextInt(100);
            List<RaftMessage> inFlight = c.inFlight();
            if (action < 12 && options.quiesce() && random.nextInt(4) == 0) {
                c.wake(node);
            } else if (action < 12) {
                c.tick(node);
            } else if (action < 60 && !inFlight.isEmpty()) {
                RaftMessage m = inFlight.get(random.nextInt(inFlight.size()));
                c.take(x -> x == m);
                c.deliver(m);
            } else if (action < 65 && !inFlight.isEmpty()) {
                RaftMessage m = inFlight.get(random.nextInt(inFlight.size()));
                c.deliver(m);
            } else if (action < 70 && !inFlight.isEmpty()) {
                RaftMessage m = inFlight.get(random.nextInt(inFlight.size()));
                c.take(x -> x == m);
            } else if (action < 87) {
                c.persist(node);
            } else if (action < 95) {
                c.propose(anyLeaderOr(c, node, random), "p" + proposals++);
            } else if (action < 98) {
                long context = commitAtRead.size();
                commitAtRead.put(context, maxCommit(c, ids));
                c.readIndex(anyLeaderOr(c, node, random), context);
            } else if (action < 99) {
                c.crash(node);
            } else if (random.nextBoolean()) {
                c.isolate(node);
            } else {
                c.heal();
            }

            for (Map.Entry<String, Long> leader : c.leaders().entrySet()) {
                assertThat(leaderOfTerm.merge(leader.getValue(), leader.getKey(), (a, b) -> a))
                        .as("step %d: leader of term %d", step, leader.getValue()).isEqualTo(leader.getKey());
            }
            for (String id : ids) {
                for (ReadState read : c.reads(id)) {
                    assertThat(read.index()).as("step %d: read %d confirmed by %s", step, read.context(), id)
                            .isGreaterThanOrEqualTo(commitAtRead.get(read.context()));
                }
                List<List<LogEntry>> lives = c.appliedByIncarnation(id);
                for (int n = 0; n < lives.size(); n++) {
                    List<LogEntry> life = lives.get(n);
                    int from = checked.getOrDefault(id + "#" + n, 0);
                    checked.put(id + "#" + n, life.size());
                    for (int i = from; i < life.size(); i++) {
                        LogEntry e = life.get(i);
                        assertThat(e.index()).as("step %d: %s applies in order, once", step, id).isEqualTo(i + 1);
                        assertThat(appliedAt.merge(e.index(), e, (a, b) -> a))
                                .as("step %d: %s applied at %d", step, id, e.index()).isEqualTo(e);
                    }
                }
            }
        }
        assertLogMatching(c, ids);
        assertLivenessAfterHealing(c, ids);
        return appliedAt.size();
    }

    /** Returns a random current leader (there may be several, of different terms), else {@code fallback}. */
    private static String anyLeaderOr(TestCluster c, String fallback, SplittableRandom random) {
        List<String> leaders = List.copyOf(c.leaders().keySet());
        return leaders.isEmpty() ? fallback : leaders.get(random.nextInt(leaders.size()));
    }

    private static long maxCommit(TestCluster c, String[] ids) {
        long max = 0;
        for (String id : ids) {
            max = Math.max(max, c.core(id).commitIndex());
        }
        return max;
    }

    /**
     * RELIABILITY.md C27: once faults stop (every message delivered, every persist done, all nodes
     * ticking), one leader emerges that everyone follows, and a new write reaches every node.
     */
    private static void assertLivenessAfterHealing(TestCluster c, String[] ids) {
        c.heal();
        for (String id : ids) {
            c.setManualPersist(id, false);
            c.persist(id);
            c.wake(id); // as a host's liveness does once a partition or a crash was seen
        }
        for (int t = 0; t < 500 && c.settledLeader().isEmpty(); t++) {
            c.tickAll();
            c.stabilize();
        }
        String leader = c.settledLeader().orElseThrow(() -> new AssertionError("no settled leader after healing; "
                + "leaders " + c.leaders()));
        long index = c.proposeAtLeader(leader, "after healing");
        for (int t = 0; t < 5; t++) {
            c.tickAll();
            c.stabilize();
        }
        for (String id : ids) {
            assertThat(c.core(id).commitIndex()).as("%s commit after healing", id).isGreaterThanOrEqualTo(index);
            assertThat(c.store(id).log()).as("%s log after healing", id).isEqualTo(c.store(leader).log());
        }
    }

    /** Raft's Log Matching property over the durable logs: same (index, term) means same prefix. */
    private static void assertLogMatching(TestCluster c, String[] ids) {
        for (String a : ids) {
            for (String b : ids) {
                List<LogEntry> la = c.store(a).log();
                List<LogEntry> lb = c.store(b).log();
                int common = Math.min(la.size(), lb.size());
                for (int i = common - 1; i >= 0; i--) {
                    if (la.get(i).term() == lb.get(i).term()) {
                        assertThat(la.subList(0, i + 1)).as("logs of %s and %s up to %d", a, b, i + 1)
                                .isEqualTo(lb.subList(0, i + 1));
                        break;
                    }
                }
            }
        }
    }
}
