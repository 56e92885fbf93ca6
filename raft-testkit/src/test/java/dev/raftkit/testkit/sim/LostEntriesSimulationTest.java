package dev.raftkit.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import dev.raftkit.testkit.memory.MemoryDisk;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15, item 5, in the simulator: a follower crashes and its disk loses its last entries,
 * which it had acknowledged. That breaks Raft's durability assumption, so these runs are kept
 * apart from {@link SimulationTest}'s seeds, and check what matters for this fault: the leader
 * repairs the node (its log and state converge with the leader's, from entries or, on the seeds
 * that compact, from a snapshot) without a hot loop (a bounded number of messages per virtual
 * second). Election safety and state machine safety are still checked after every event; the
 * check that no node denies entries it acknowledged is told of the loss first, and the last test
 * shows that it reports a loss no test announced. Before the fix the leader re-sent the same
 * rejected probe at network speed while writes went on.
 */
class LostEntriesSimulationTest {

    private static final long MS = 1_000_000L;
    /**
     * Messages per virtual second across the cluster: the workload (a write every 10 ms, replicated
     * to two followers and answered) and heartbeats need about 560; the probe loop this guards
     * against sent about 19,000 at this network's latency.
     */
    private static final long MAX_MESSAGES_PER_SECOND = 3_000;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void theLeaderRepairsAFollowerThatLostAcknowledgedEntriesWithoutAHotLoop(long seed) {
        List<String> events = new ArrayList<>();
        VirtualScheduler scheduler = new VirtualScheduler();
        SplittableRandom random = new SplittableRandom(seed);
        SafetyMonitor<KvCommand> monitor = new SafetyMonitor<>(KvCommand.CODEC);
        boolean compacting = seed % 2 == 0; // the leader may have compacted what was lost: a snapshot repairs it
        SimCluster<KvCommand, String, KvStateMachine> cluster = cluster(scheduler, random, monitor, compacting);
        Consumer<String> log = line -> events.add(String.format("%8.1f ms  %s", scheduler.now() / 1e6, line));
        boolean[] writing = {true};
        scheduleWrites(scheduler, cluster, writing);
        Runnable afterEach = monitor::check;
        String context = "seed " + seed + ", compacting " + compacting + ", events " + events;

        scheduler.runUntil(1000 * MS, afterEach);
        NodeId leader = leader(cluster);
        NodeId victim = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        int lost = crashLosingLastEntries(cluster, scheduler, log, victim, 5 + random.nextInt(30), 50 * MS);
        assertThat(lost).as(context).isPositive();

        for (int second = 0; second < 3; second++) {
            long before = cluster.network().delivered();
            scheduler.runUntil(scheduler.now() + 1000 * MS, afterEach);
            long delivered = cluster.network().delivered() - before;
            assertThat(delivered)
                    .as("messages in virtual second %d after the loss, %s", second, context)
                    .isLessThanOrEqualTo(MAX_MESSAGES_PER_SECOND);
        }
        writing[0] = false;
        scheduler.runUntil(scheduler.now() + 2000 * MS, afterEach);

        NodeId last = leader(cluster);
        var leaderStatus = cluster.incarnation(last).node().status();
        for (NodeId id : cluster.ids()) {
            var status = cluster.incarnation(id).node().status();
            assertThat(status.appliedIndex()).as("%s applied, %s", id, context).isEqualTo(leaderStatus.commitIndex());
            assertThat(cluster.incarnation(id).state().snapshotOfData()).as("%s state, %s", id, context)
                    .isEqualTo(cluster.incarnation(last).state().snapshotOfData());
        }
        MemoryDisk leaderDisk = cluster.disk(last);
        MemoryDisk victimDisk = cluster.disk(victim);
        assertThat(victimDisk.lastIndex()).as("the victim's durable log end, %s", context)
                .isEqualTo(leaderDisk.lastIndex());
        long from = Math.max(Math.max(leaderDisk.firstIndex(), victimDisk.firstIndex()), 1);
        assertThat(entries(victimDisk, from)).as("the victim's durable log, %s", context)
                .isEqualTo(entries(leaderDisk, from));
        cluster.crashAll();
    }

    /**
     * The check that no node denies entries it acknowledged ({@link AcknowledgedEntries}) reports a
     * disk that loses acknowledged entries when no test said it would: the victim, restarted, rejects
     * the leader's next append below what it acknowledged.
     */
    @Test
    void aDiskLosingAcknowledgedEntriesUnannouncedIsReported() {
        VirtualScheduler scheduler = new VirtualScheduler();
        SafetyMonitor<KvCommand> monitor = new SafetyMonitor<>(KvCommand.CODEC);
        SimCluster<KvCommand, String, KvStateMachine> cluster = cluster(scheduler, new SplittableRandom(1), monitor,
                false);
        scheduleWrites(scheduler, cluster, new boolean[] {true});
        scheduler.runUntil(1000 * MS, monitor::check);
        NodeId leader = leader(cluster);
        NodeId victim = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();

        cluster.crash(victim);
        assertThat(cluster.disk(victim).loseLastEntries(10)).isEqualTo(10);
        cluster.start(victim);

        assertThatThrownBy(() -> scheduler.runUntil(scheduler.now() + 1000 * MS, monitor::check))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("acknowledged entries stay: " + victim + " acknowledged the entries up to index");
    }

    /**
     * Starts three nodes writing through a network of 20 to 100 µs; with {@code compacting}, they
     * snapshot every 20 entries and keep only 2 behind, so a lost entry may be compacted on the leader.
     */
    private static SimCluster<KvCommand, String, KvStateMachine> cluster(VirtualScheduler scheduler,
            SplittableRandom random, SafetyMonitor<KvCommand> monitor, boolean compacting) {
        Map<String, String> options = compacting
                ? Map.of("raftkit.snapshot.trailingEntries", "2", "raftkit.snapshot.chunkBytes", "200") : Map.of();
        SimCluster<KvCommand, String, KvStateMachine> cluster = new SimCluster<>(scheduler, random.split(), monitor,
                KvStateMachine::new, KvCommand.CODEC, Optional.empty(), 3, 0,
                new SimRuntime.Latencies(2_000, 50_000, 50_000, 2 * MS), compacting ? 20 : 0, options, 0);
        cluster.network().delay(Duration.ofNanos(20_000), Duration.ofNanos(100_000));
        cluster.initialVoters().forEach(cluster::start);
        return cluster;
    }

    /**
     * Crashes {@code victim}, makes its disk lose its last {@code count} durable entries, and
     * restarts it after {@code downtimeNanos}. Losing durable data is outside Raft's fault model
     * (an acknowledged entry may be on no other disk), so the nemesis never does it.
     *
     * @return how many entries the disk lost (fewer than {@code count} if it held fewer)
     */
    private static int crashLosingLastEntries(SimCluster<?, ?, ?> cluster, VirtualScheduler scheduler,
            Consumer<String> log, NodeId victim, int count, long downtimeNanos) {
        cluster.crash(victim);
        int lost = cluster.loseLastEntries(victim, count);
        log.accept("crash " + victim + " losing its last " + lost + " durable entries");
        scheduler.after(downtimeNanos, () -> {
            cluster.start(victim);
            log.accept("restart " + victim);
        });
        return lost;
    }

    /** Writes one command every 10 ms to whichever node leads, while {@code writing[0]}. */
    private static void scheduleWrites(VirtualScheduler scheduler,
            SimCluster<KvCommand, String, KvStateMachine> cluster, boolean[] writing) {
        scheduler.after(10 * MS, new Runnable() {
            private int n;

            @Override
            public void run() {
                if (!writing[0]) {
                    return;
                }
                for (NodeId id : cluster.ids()) {
                    SimCluster.Incarnation<KvCommand, String, KvStateMachine> at = cluster.incarnation(id);
                    if (at != null && at.node().role() == Role.LEADER) {
                        at.node().write(KvCommand.put("k" + n % 7, "v" + n));
                        n++;
                    }
                }
                scheduler.after(10 * MS, this);
            }
        });
    }

    private static NodeId leader(SimCluster<KvCommand, String, KvStateMachine> cluster) {
        for (NodeId id : cluster.ids()) {
            SimCluster.Incarnation<KvCommand, String, KvStateMachine> at = cluster.incarnation(id);
            if (at != null && at.node().role() == Role.LEADER) {
                return id;
            }
        }
        throw new AssertionError("no leader among " + cluster.ids());
    }

    private static List<LogEntry> entries(MemoryDisk disk, long from) {
        try {
            return disk.entries(from, disk.lastIndex() + 1, Long.MAX_VALUE);
        } catch (IOException e) {
            throw new AssertionError("reading " + disk, e);
        }
    }
}
