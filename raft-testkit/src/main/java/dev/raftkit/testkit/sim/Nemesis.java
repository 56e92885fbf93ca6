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

    private final SimCluster<?, ?, ?> cluster;
    private final VirtualScheduler scheduler;
    private final SplittableRandom random;
    private final Consumer<String> log;
    private final Set<NodeId> crashed = new HashSet<>();
    /** Nodes ever asked to leave: ids are never reused, so they never join again. */
    private final Set<NodeId> leaving = new HashSet<>();
    private boolean healed;

    private final boolean membershipChanges;
    private final int minVoters;

    /**
     * @param minVoters membership changes never leave fewer voters than this
     */
    Nemesis(SimCluster<?, ?, ?> cluster, VirtualScheduler scheduler, SplittableRandom random, boolean membershipChanges,
            int minVoters, Consumer<String> log) {
        this.cluster = cluster;
        this.scheduler = scheduler;
        this.random = random;
        this.membershipChanges = membershipChanges;
        this.minVoters = minVoters;
        this.log = log;
    }

    /** Injects one random fault. */
    void strike() {
        MemoryNetwork net = cluster.network();
        List<NodeId> ids = cluster.ids();
        NodeId victim = ids.get(random.nextInt(ids.size()));
        if (membershipChanges && random.nextInt(3) == 0) {
            changeMembership();
            return;
        }
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

    /**
     * Asks the current leader for a random configuration change: a spare joins (as a voter, or as a
     * learner), a learner is promoted, or a member is removed. A removed node keeps running for a
     * while (it must stay inert), then retires for good.
     */
    private void changeMembership() {
        SimCluster.Incarnation<?, ?, ?> leader = null;
        for (NodeId id : cluster.ids()) {
            SimCluster.Incarnation<?, ?, ?> at = cluster.incarnation(id);
            if (at != null && at.node().role() == dev.raftkit.Role.LEADER) {
                leader = at;
            }
        }
        if (leader == null) {
            return;
        }
        var status = leader.node().status();
        List<NodeId> spares = new ArrayList<>();
        for (NodeId id : cluster.ids()) {
            if (!status.voters().contains(id) && !status.learners().contains(id) && !leaving.contains(id)) {
                spares.add(id);
            }
        }
        int dice = random.nextInt(4);
        // A learner whose removal was asked for is not promoted: the promotion would follow the
        // removal and bring back a node that is about to retire for good.
        List<NodeId> promotable = new ArrayList<>(status.learners());
        promotable.removeAll(leaving);
        if (dice <= 1 && !spares.isEmpty()) {
            NodeId id = spares.get(0);
            java.util.Map<NodeId, dev.raftkit.Address> voters = new java.util.TreeMap<>();
            status.voters().forEach(v -> voters.put(v, cluster.address(v)));
            cluster.startToJoin(id, voters);
            if (dice == 0) {
                log.accept("addVoter " + id + " on " + status.id());
                leader.node().addVoter(id, cluster.address(id));
            } else {
                log.accept("addLearner " + id + " on " + status.id());
                leader.node().addLearner(id, cluster.address(id));
            }
        } else if (dice == 2 && !promotable.isEmpty()) {
            NodeId id = promotable.get(0);
            log.accept("promote " + id + " on " + status.id());
            leader.node().addVoter(id, cluster.address(id));
        } else {
            List<NodeId> removable = new ArrayList<>(status.learners());
            if (status.voters().size() > minVoters) {
                removable.addAll(status.voters());
            }
            if (removable.isEmpty()) {
                return;
            }
            Collections.sort(removable);
            NodeId id = removable.get(random.nextInt(removable.size()));
            log.accept("removeMember " + id + " on " + status.id());
            leaving.add(id);
            leader.node().removeMember(id).whenComplete((membership, error) -> {
                if (error == null) {
                    long lingering = 1 + random.nextLong(2_000_000_000L);
                    scheduler.after(lingering, () -> {
                        cluster.retire(id);
                        crashed.remove(id);
                        log.accept("retire " + id);
                    });
                }
            });
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

    /**
     * Crashes {@code victim}, makes its disk lose its last {@code count} durable entries, and
     * restarts it after {@code downtimeNanos}. Losing durable data is outside Raft's fault model
     * (an acknowledged entry may be on no other disk), so {@link #strike()} never does it; only runs
     * that check how a leader repairs such a node use it.
     *
     * @return how many entries the disk lost (fewer than {@code count} if it held fewer)
     */
    int crashLosingLastEntries(NodeId victim, int count, long downtimeNanos) {
        cluster.crash(victim);
        int lost = cluster.disks(List.of(victim)).get(victim).loseLastEntries(count);
        log.accept("crash " + victim + " losing its last " + lost + " durable entries");
        scheduler.after(downtimeNanos, () -> {
            cluster.start(victim);
            log.accept("restart " + victim);
        });
        return lost;
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
