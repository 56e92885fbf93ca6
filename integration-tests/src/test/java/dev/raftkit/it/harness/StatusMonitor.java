package dev.raftkit.it.harness;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Polls every node's status on a background thread and checks the invariants of RELIABILITY.md
 * §2.4 that a status shows:
 * <ul>
 *   <li>per node and per incarnation, term, commit index and applied index never go backwards.
 *       A restarted node starts a new baseline: its commit and applied indexes legitimately start
 *       over from what was durable, and a term its previous incarnation showed may not have been
 *       durable yet when it was killed;</li>
 *   <li>at most one node is ever seen leading a given term (election safety).</li>
 * </ul>
 * Violations are collected, not thrown, so the run finishes and reports them with everything else.
 */
public final class StatusMonitor implements AutoCloseable {

    private final ClusterAccess cluster;
    private final Duration interval;
    private final Map<NodeId, NodeObservation> last = new HashMap<>();
    private final Map<Long, NodeId> leaderOfTerm = new HashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicLong samples = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private StatusMonitor(ClusterAccess cluster, Duration interval) {
        this.cluster = cluster;
        this.interval = interval;
        this.thread = new Thread(this::run, "status-monitor");
        this.thread.setDaemon(true);
    }

    /** Starts polling every {@code interval}. */
    public static StatusMonitor start(ClusterAccess cluster, Duration interval) {
        StatusMonitor monitor = new StatusMonitor(cluster, interval);
        monitor.thread.start();
        return monitor;
    }

    /** Returns the violations seen so far. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** Returns how many status samples were checked. */
    public long samples() {
        return samples.get();
    }

    /** Stops polling and waits (up to 10 s) for the thread to end; keeps the caller's interrupt status. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (running) {
            for (NodeId node : cluster.nodes()) {
                Optional<NodeObservation> observation = cluster.observe(node);
                observation.ifPresent(this::check);
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void check(NodeObservation now) {
        samples.incrementAndGet();
        NodeObservation before = last.put(now.node(), now);
        if (before != null && before.incarnation().equals(now.incarnation())) {
            requireNotBackwards(before, now, "term", before.term(), now.term());
            requireNotBackwards(before, now, "commit index", before.commitIndex(), now.commitIndex());
            requireNotBackwards(before, now, "applied index", before.appliedIndex(), now.appliedIndex());
        }
        if (now.role() == Role.LEADER) {
            NodeId earlier = leaderOfTerm.putIfAbsent(now.term(), now.node());
            if (earlier != null && !earlier.equals(now.node())) {
                violations.add("two leaders in term " + now.term() + ": " + earlier + " and " + now.node());
            }
        }
    }

    private void requireNotBackwards(NodeObservation before, NodeObservation now, String what, long was, long is) {
        if (is < was) {
            violations.add(now.node() + " (incarnation " + now.incarnation() + "): " + what + " went back from "
                    + was + " to " + is + " (" + before + " then " + now + ")");
        }
    }
}
