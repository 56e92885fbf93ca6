package dev.raftkit.it;

import dev.raftkit.NodeId;
import dev.raftkit.testkit.toxiproxy.NetworkFault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The network faults of the suite (RELIABILITY.md §1.2), each as one cycle that {@link FaultRun}
 * repeats: place the fault, hold it, heal it. Targets are chosen relative to the current leader,
 * since faults around the leader are the ones that force elections and uncertain writes. Election
 * timeouts are 150 to 300 ms ({@code NodeTuning}); fault durations are chosen around them.
 */
enum FaultShape {

    /** The leader is cut off from every other node, silently, both ways. */
    LEADER_ISOLATION {
        @Override
        void cycle(FaultRun run) throws InterruptedException {
            run.hold(run.network().isolate(run.leader()), 800, 1600);
        }
    },

    /** A minority without the leader is cut off; the leader keeps its majority. */
    MINORITY_PARTITION {
        @Override
        void cycle(FaultRun run) throws InterruptedException {
            NodeId leader = run.leader();
            List<NodeId> others = run.othersShuffled(leader);
            List<NodeId> minority = others.subList(0, (run.size() - 1) / 2);
            List<NodeId> majority = new ArrayList<>(others.subList(minority.size(), others.size()));
            majority.add(leader);
            run.hold(run.network().partition(minority, majority), 800, 1600);
        }
    },

    /** The leader ends up in the minority; the majority must elect a new leader. */
    MAJORITY_PARTITION {
        @Override
        void cycle(FaultRun run) throws InterruptedException {
            NodeId leader = run.leader();
            List<NodeId> others = run.othersShuffled(leader);
            List<NodeId> minority = new ArrayList<>(others.subList(0, (run.size() - 1) / 2 - 1));
            minority.add(leader);
            List<NodeId> majority = others.subList((run.size() - 1) / 2 - 1, others.size());
            run.hold(run.network().partition(minority, majority), 800, 1600);
        }
    },

    /** Two sides that cannot talk, and one node (never the leader) that talks to both. */
    BRIDGE {
        @Override
        void cycle(FaultRun run) throws InterruptedException {
            NodeId leader = run.leader();
            List<NodeId> others = run.othersShuffled(leader);
            NodeId bridge = others.get(0);
            int leftOthers = (run.size() - 3) / 2;
            List<NodeId> left = new ArrayList<>(others.subList(1, 1 + leftOthers));
            left.add(leader);
            List<NodeId> right = others.subList(1 + leftOthers, others.size());
            run.hold(run.network().bridge(left, bridge, right), 1000, 2000);
        }
    },

    /**
     * One direction of some links is lost: the leader cannot reach one follower, one follower
     * cannot reach the leader, the leader reaches nobody, or nobody reaches the leader.
     */
    ONE_WAY {
        @Override
        void cycle(FaultRun run) throws InterruptedException {
            NodeId leader = run.leader();
            List<NodeId> followers = run.othersShuffled(leader);
            List<NetworkFault> faults = new ArrayList<>();
            switch (run.schedule().random().nextInt(4)) {
                case 0 -> faults.add(run.network().oneWay(leader, followers.get(0)));
                case 1 -> faults.add(run.network().oneWay(followers.get(0), leader));
                case 2 -> followers.forEach(f -> faults.add(run.network().oneWay(leader, f)));
                default -> followers.forEach(f -> faults.add(run.network().oneWay(f, leader)));
            }
            run.hold(faults, 800, 1600);
        }
    },

    /** A node (the leader half the time) is cut off and restored every few hundred milliseconds. */
    FLAPPING {
        @Override
        void cycle(FaultRun run) throws InterruptedException {
            NodeId leader = run.leader();
            NodeId node = run.schedule().random().nextBoolean() ? leader : run.othersShuffled(leader).get(0);
            Duration down = Duration.ofMillis(run.schedule().millisBetween(100, 400));
            Duration up = Duration.ofMillis(run.schedule().millisBetween(100, 400));
            int cycles = (int) run.schedule().millisBetween(3, 6);
            run.schedule().log("flap " + node + ": " + cycles + " x (down " + down.toMillis() + " ms, up "
                    + up.toMillis() + " ms)");
            run.network().flap(node, down, up, cycles);
        }
    },

    /**
     * Every byte to and from a node (mostly the leader) is delayed by 200 ms plus or minus 150 ms,
     * so delays reach beyond the 300 ms maximum election timeout.
     */
    LATENCY {
        @Override
        void cycle(FaultRun run) throws InterruptedException {
            NodeId leader = run.leader();
            NodeId node = run.schedule().random().nextInt(3) > 0 ? leader : run.othersShuffled(leader).get(0);
            run.hold(run.network().latency(node, Duration.ofMillis(200), Duration.ofMillis(150)), 1000, 2000);
        }
    },

    /** A node's links (mostly the leader's) are throttled to a few kilobytes per second. */
    BANDWIDTH {
        @Override
        void cycle(FaultRun run) throws InterruptedException {
            NodeId leader = run.leader();
            NodeId node = run.schedule().random().nextInt(3) > 0 ? leader : run.othersShuffled(leader).get(0);
            long rate = run.schedule().millisBetween(2, 8);
            run.hold(run.network().bandwidth(node, rate), 1000, 2000);
        }
    },

    /** Connections of a node, or between two nodes, are reset shortly after data flows, over and over. */
    RESET_PEER {
        @Override
        void cycle(FaultRun run) throws InterruptedException {
            NodeId leader = run.leader();
            Duration after = Duration.ofMillis(run.schedule().millisBetween(0, 200));
            NodeId follower = run.othersShuffled(leader).get(0);
            NetworkFault fault = switch (run.schedule().random().nextInt(3)) {
                case 0 -> run.network().resetPeer(leader, after);
                case 1 -> run.network().resetPeer(follower, after);
                default -> run.network().resetPeer(leader, follower, after);
            };
            run.hold(fault, 400, 1000);
        }
    };

    /**
     * Places this fault, holds it and heals it, logging every step in the run's schedule.
     *
     * @throws InterruptedException if interrupted
     */
    abstract void cycle(FaultRun run) throws InterruptedException;
}
