package dev.raftkit.it;

import dev.raftkit.NodeId;
import dev.raftkit.it.harness.ClusterAccess;
import dev.raftkit.it.harness.FaultSchedule;
import dev.raftkit.testkit.toxiproxy.NetworkFault;
import dev.raftkit.testkit.toxiproxy.ToxiproxyNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Applies one {@link FaultShape} to a cluster for a bounded time: cycles of "fault, hold, heal,
 * pause", every choice drawn from the seeded {@link FaultSchedule} and logged in it. Used from the
 * test thread only.
 */
final class FaultRun {

    private final ToxiproxyNetwork network;
    private final ClusterAccess cluster;
    private final FaultSchedule schedule;

    FaultRun(ToxiproxyNetwork network, ClusterAccess cluster, FaultSchedule schedule) {
        this.network = network;
        this.cluster = cluster;
        this.schedule = schedule;
    }

    /**
     * Runs cycles of {@code shape} until {@code window} has passed (the last cycle may overrun it by
     * its own length), then heals everything.
     *
     * @throws InterruptedException if interrupted; the network is healed first
     */
    void run(FaultShape shape, Duration window) throws InterruptedException {
        long end = System.nanoTime() + window.toNanos();
        try {
            while (System.nanoTime() < end) {
                shape.cycle(this);
                pause(300, 700);
            }
        } finally {
            network.heal();
            schedule.log("healed every fault");
        }
    }

    ToxiproxyNetwork network() {
        return network;
    }

    FaultSchedule schedule() {
        return schedule;
    }

    /** Returns the current leader, or a random node if none is known, and logs the choice. */
    NodeId leader() {
        NodeId leader = cluster.leader().orElseGet(() -> pick(cluster.nodes()));
        schedule.log("leader is " + leader);
        return leader;
    }

    /** Returns every node but {@code node}, in a seeded random order. */
    List<NodeId> othersShuffled(NodeId node) {
        List<NodeId> others = new ArrayList<>(cluster.nodes());
        others.remove(node);
        Collections.shuffle(others, schedule.random());
        return others;
    }

    /** Returns the cluster size. */
    int size() {
        return cluster.nodes().size();
    }

    /** Returns a seeded random element. */
    private NodeId pick(List<NodeId> nodes) {
        return nodes.get(schedule.random().nextInt(nodes.size()));
    }

    /** Keeps the faults in place for a random time in {@code [minMillis, maxMillis]}, then heals them. */
    void hold(List<NetworkFault> faults, long minMillis, long maxMillis) throws InterruptedException {
        long millis = schedule.millisBetween(minMillis, maxMillis);
        faults.forEach(f -> schedule.log("apply " + f.description() + " for " + millis + " ms"));
        try {
            Thread.sleep(millis);
        } finally {
            faults.forEach(NetworkFault::heal);
            schedule.log("heal");
        }
    }

    /** Keeps one fault in place for a random time, then heals it. */
    void hold(NetworkFault fault, long minMillis, long maxMillis) throws InterruptedException {
        hold(List.of(fault), minMillis, maxMillis);
    }

    /** Waits a random time in {@code [minMillis, maxMillis]} with no fault of this run in place. */
    void pause(long minMillis, long maxMillis) throws InterruptedException {
        Thread.sleep(schedule.millisBetween(minMillis, maxMillis));
    }
}
