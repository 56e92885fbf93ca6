package dev.raftkit.it;

import dev.raftkit.NodeId;
import dev.raftkit.it.harness.FaultSchedule;
import dev.raftkit.it.process.ProcessCluster;
import dev.raftkit.testkit.toxiproxy.NetworkFault;
import dev.raftkit.testkit.toxiproxy.ToxiproxyNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One step of a process-crash schedule on a {@link ProcessCluster}: kills with SIGKILL and
 * restarts on the same LMDB directory, pauses with SIGSTOP/SIGCONT longer than the 300 ms maximum
 * election timeout, and (when the cluster runs behind Toxiproxy) kills and pauses combined with
 * network faults. Every step leaves all nodes running, resumed and reachable.
 */
enum CrashStep {

    /** The leader is killed, then restarted. */
    KILL_LEADER(false) {
        @Override
        void run(Context c) throws Exception {
            NodeId leader = c.leader();
            c.kill(leader);
            c.pause(300, 1500);
            c.restart(leader);
        }
    },

    /** A follower is killed, then restarted. */
    KILL_FOLLOWER(false) {
        @Override
        void run(Context c) throws Exception {
            NodeId follower = c.others(c.leader()).get(0);
            c.kill(follower);
            c.pause(300, 1500);
            c.restart(follower);
        }
    },

    /** The leader and a follower are killed (no quorum left), then restarted one after the other. */
    KILL_MAJORITY(false) {
        @Override
        void run(Context c) throws Exception {
            NodeId leader = c.leader();
            NodeId follower = c.others(leader).get(0);
            c.kill(leader);
            c.kill(follower);
            c.pause(300, 1000);
            c.restart(follower);
            c.restart(leader);
        }
    },

    /** Every node is killed, then all are restarted: the whole state comes back from LMDB. */
    KILL_ALL(false) {
        @Override
        void run(Context c) throws Exception {
            NodeId leader = c.leader();
            List<NodeId> all = c.others(leader);
            all.add(0, leader);
            for (NodeId node : all) {
                c.kill(node);
            }
            c.pause(200, 800);
            for (NodeId node : all) {
                c.restart(node);
            }
        }
    },

    /** The leader is frozen with SIGSTOP for longer than an election timeout, then resumed. */
    PAUSE_LEADER(false) {
        @Override
        void run(Context c) throws Exception {
            NodeId leader = c.leader();
            c.freeze(leader, 500, 1500);
        }
    },

    /** A follower is frozen, then resumed. */
    PAUSE_FOLLOWER(false) {
        @Override
        void run(Context c) throws Exception {
            c.freeze(c.others(c.leader()).get(0), 500, 1500);
        }
    },

    /** The leader is isolated, killed while isolated, and restarted after the heal. */
    KILL_ISOLATED_LEADER(true) {
        @Override
        void run(Context c) throws Exception {
            NodeId leader = c.leader();
            NetworkFault isolation = c.fault(c.network().isolate(leader));
            c.pause(400, 1000);
            c.kill(leader);
            c.heal(isolation);
            c.pause(200, 800);
            c.restart(leader);
        }
    },

    /** A follower is cut off while the leader is frozen; the remaining majority must take over. */
    PAUSE_LEADER_DURING_PARTITION(true) {
        @Override
        void run(Context c) throws Exception {
            NodeId leader = c.leader();
            List<NodeId> others = c.others(leader);
            NetworkFault cut = c.fault(c.network().oneWay(others.get(0), leader));
            c.freeze(leader, 500, 1200);
            c.heal(cut);
        }
    },

    /** A follower is killed and restarted while the leader's links are slow (200 +/- 150 ms). */
    KILL_FOLLOWER_UNDER_LATENCY(true) {
        @Override
        void run(Context c) throws Exception {
            NodeId leader = c.leader();
            NetworkFault slow = c.fault(c.network().latency(leader, Duration.ofMillis(200), Duration.ofMillis(150)));
            NodeId follower = c.others(leader).get(0);
            c.kill(follower);
            c.pause(300, 1000);
            c.restart(follower);
            c.heal(slow);
        }
    };

    private final boolean needsNetwork;

    CrashStep(boolean needsNetwork) {
        this.needsNetwork = needsNetwork;
    }

    /** Tells whether the step needs the cluster to run behind Toxiproxy. */
    boolean needsNetwork() {
        return needsNetwork;
    }

    /** Runs the step; every action is logged in the schedule. */
    abstract void run(Context c) throws Exception;

    /** What a step acts on, with every action logged in the seeded schedule. */
    static final class Context {

        private final ProcessCluster cluster;
        private final ToxiproxyNetwork network;
        private final FaultSchedule schedule;

        Context(ProcessCluster cluster, ToxiproxyNetwork network, FaultSchedule schedule) {
            this.cluster = cluster;
            this.network = network;
            this.schedule = schedule;
        }

        ToxiproxyNetwork network() {
            if (network == null) {
                throw new IllegalStateException("this step needs the cluster behind Toxiproxy");
            }
            return network;
        }

        NodeId leader() {
            List<NodeId> nodes = cluster.nodes();
            NodeId leader = cluster.leader().orElseGet(() -> nodes.get(schedule.random().nextInt(nodes.size())));
            schedule.log("leader is " + leader);
            return leader;
        }

        List<NodeId> others(NodeId node) {
            List<NodeId> others = new ArrayList<>(cluster.nodes());
            others.remove(node);
            Collections.shuffle(others, schedule.random());
            return others;
        }

        void kill(NodeId node) throws InterruptedException {
            schedule.log("kill -9 " + node + " (pid " + cluster.pid(node) + ")");
            cluster.kill(node);
        }

        void restart(NodeId node) throws Exception {
            schedule.log("restart " + node + " on its LMDB directory");
            cluster.restart(node);
            schedule.log(node + " answers again (pid " + cluster.pid(node) + ")");
        }

        void freeze(NodeId node, long minMillis, long maxMillis) throws InterruptedException {
            long millis = schedule.millisBetween(minMillis, maxMillis);
            schedule.log("kill -STOP " + node + " for " + millis + " ms");
            cluster.pause(node);
            try {
                Thread.sleep(millis);
            } finally {
                cluster.resume(node);
                schedule.log("kill -CONT " + node);
            }
        }

        NetworkFault fault(NetworkFault fault) {
            schedule.log("apply " + fault.description());
            return fault;
        }

        void heal(NetworkFault fault) {
            fault.heal();
            schedule.log("heal " + fault.description());
        }

        void pause(long minMillis, long maxMillis) throws InterruptedException {
            Thread.sleep(schedule.millisBetween(minMillis, maxMillis));
        }
    }
}
