package dev.raftkit.testkit.sim;

import dev.raftkit.testkit.memory.MemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Injects seeded faults into a simulated {@link FaultDomain}: partitions of random shape,
 * isolation, one-way link loss, message loss, duplication and delay, crashes with restarts after a
 * random downtime, and what the deployment adds ({@link ExtraFault}: membership changes of a cluster
 * with spares, groups stopped and started again on a host). {@link #healAll()} removes every fault
 * and restarts every crashed target and stopped group.
 *
 * @param <K> how a target is named: a node id, or a host's address
 */
final class Nemesis<K> {

    private final FaultDomain<K> domain;
    private final VirtualScheduler scheduler;
    private final SplittableRandom random;
    private final Optional<ExtraFault> extra;
    private final Consumer<String> log;
    private final Set<K> crashed = new HashSet<>();
    private boolean healed;

    /**
     * @param random the source of every fault decision; {@code extra} draws from the same one
     * @param extra the deployment's own kind of fault, struck in a third of the strikes; empty for none
     */
    Nemesis(FaultDomain<K> domain, VirtualScheduler scheduler, SplittableRandom random,
            Optional<ExtraFault> extra, Consumer<String> log) {
        this.domain = domain;
        this.scheduler = scheduler;
        this.random = random;
        this.extra = extra;
        this.log = log;
    }

    /** Injects one random fault. */
    void strike() {
        MemoryNetwork net = domain.network();
        List<K> targets = domain.targets();
        K victim = targets.get(random.nextInt(targets.size()));
        if (extra.isPresent() && random.nextInt(3) == 0) {
            extra.get().strike();
            return;
        }
        switch (random.nextInt(9)) {
            case 0 -> {
                List<K> shuffled = new ArrayList<>(targets);
                Collections.shuffle(shuffled, new Random(random.nextLong()));
                int cut = 1 + random.nextInt(targets.size() - 1);
                Set<K> a = new HashSet<>(shuffled.subList(0, cut));
                Set<K> b = new HashSet<>(shuffled.subList(cut, shuffled.size()));
                domain.partition(a, b);
                log.accept("partition " + a + " | " + b);
            }
            case 1 -> {
                domain.isolate(victim);
                log.accept("isolate " + victim);
            }
            case 2 -> {
                K to = targets.get(random.nextInt(targets.size()));
                if (!to.equals(victim)) {
                    domain.block(victim, to);
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

    private void crash(K victim) {
        if (!domain.isUp(victim)) {
            return;
        }
        domain.crash(victim);
        crashed.add(victim);
        long downtime = 1_000_000L + random.nextLong(1_500_000_000L);
        log.accept("crash " + victim + " for " + downtime / 1_000_000 + " ms");
        scheduler.after(downtime, () -> {
            if (!healed && crashed.remove(victim)) {
                domain.start(victim);
                if (domain.isUp(victim)) { // a node retired meanwhile stays down
                    log.accept("restart " + victim);
                }
            }
        });
    }

    /** Removes every fault and restarts every crashed target. */
    void healAll() {
        healed = true;
        MemoryNetwork net = domain.network();
        net.heal();
        net.dropProbability(0);
        net.duplicateProbability(0);
        net.delay(Duration.ofNanos(100_000), Duration.ofMillis(2));
        for (K id : new ArrayList<>(crashed)) {
            domain.start(id);
        }
        crashed.clear();
        extra.ifPresent(ExtraFault::heal);
        log.accept("heal all");
    }
}
