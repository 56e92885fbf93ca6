package dev.raftkit.testkit.sim;

import dev.raftkit.NodeId;
import dev.raftkit.testkit.memory.MemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Injects seeded faults into a simulated cluster: partitions of random shape, isolation, one-way
 * link loss, message loss, duplication and delay, and crashes with restarts after a random
 * downtime. {@link #healAll()} removes every fault and restarts every crashed node.
 */
final class Nemesis {

    private final SimCluster cluster;
    private final VirtualScheduler scheduler;
    private final SplittableRandom random;
    private final Consumer<String> log;
    private final Set<NodeId> crashed = new HashSet<>();
    private boolean healed;

    Nemesis(SimCluster cluster, VirtualScheduler scheduler, SplittableRandom random, Consumer<String> log) {
        this.cluster = cluster;
        this.scheduler = scheduler;
        this.random = random;
        this.log = log;
    }

    /** Injects one random fault. */
    void strike() {
        MemoryNetwork net = cluster.network();
        List<NodeId> ids = cluster.ids();
        NodeId victim = ids.get(random.nextInt(ids.size()));
        switch (random.nextInt(9)) {
            case 0 -> {
                List<NodeId> shuffled = new ArrayList<>(ids);
                Collections.shuffle(shuffled, new java.util.Random(random.nextLong()));
                int cut = 1 + random.nextInt(ids.size() - 1);
                Set<NodeId> a = new HashSet<>(shuffled.subList(0, cut));
                Set<NodeId> b = new HashSet<>(shuffled.subList(cut, shuffled.size()));
                net.partition(a, b);
                log.accept("partition " + a + " | " + b);
            }
            case 1 -> {
                net.isolate(victim);
                log.accept("isolate " + victim);
            }
            case 2 -> {
                NodeId to = ids.get(random.nextInt(ids.size()));
                if (!to.equals(victim)) {
                    net.block(victim, to);
                    log.accept("block " + victim + " -> " + to);
                }
            }
            case 3 -> {
                double p = random.nextDouble() * 0.3;
                net.dropProbability(p);
                log.accept("drop " + p);
            }
            case 4 -> {
                double p = random.nextDouble() * 0.2;
                net.duplicateProbability(p);
                log.accept("duplicate " + p);
            }
            case 5 -> {
                long max = 1 + random.nextLong(30);
                net.delay(Duration.ZERO, Duration.ofMillis(max));
                log.accept("delay 0.." + max + " ms");
            }
            case 6, 7 -> crash(victim);
            default -> {
                net.heal();
                net.dropProbability(0);
                net.duplicateProbability(0);
                log.accept("heal");
            }
        }
    }

    private void crash(NodeId victim) {
        if (!cluster.isUp(victim)) {
            return;
        }
        cluster.crash(victim);
        crashed.add(victim);
        long downtime = 1_000_000L + random.nextLong(1_500_000_000L);
        log.accept("crash " + victim + " for " + downtime / 1_000_000 + " ms");
        scheduler.after(downtime, () -> {
            if (!healed && crashed.remove(victim)) {
                cluster.start(victim);
                log.accept("restart " + victim);
            }
        });
    }

    /** Removes every fault and restarts every crashed node. */
    void healAll() {
        healed = true;
        MemoryNetwork net = cluster.network();
        net.heal();
        net.dropProbability(0);
        net.duplicateProbability(0);
        net.delay(Duration.ofNanos(100_000), Duration.ofMillis(2));
        for (NodeId id : new ArrayList<>(crashed)) {
            cluster.start(id);
        }
        crashed.clear();
        log.accept("heal all");
    }
}
