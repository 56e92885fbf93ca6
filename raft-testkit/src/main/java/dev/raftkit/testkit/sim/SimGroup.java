package dev.raftkit.testkit.sim;

import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.Role;
import dev.raftkit.testkit.memory.MemoryDisk;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The members of one simulated Raft group, as its clients and the run's checks see them: the nodes
 * of a {@link SimCluster}, or one group of {@link SimHosts}.
 *
 * @param <C> the command type
 * @param <R> the response type
 * @param <M> the state machine type, so callers can query it (from read queries only)
 */
interface SimGroup<C, R, M> {

    /** The responses each session keeps; the simulated clients have one write in flight each. */
    int SESSION_WINDOW = 8;

    /** One running incarnation of a member: its node, its state machine and the runtime it runs on. */
    record Incarnation<C, R, M>(Node<C, R> node, M state, SimRuntime runtime) {
    }

    /** {@return every member that may run, in id order} */
    List<NodeId> ids();

    /**
     * Looks up the running incarnation of a member.
     *
     * @param id the member
     * @return its incarnation, or null if it is down
     */
    Incarnation<C, R, M> incarnation(NodeId id);

    /**
     * Looks up the disk of a member, which survives its crashes.
     *
     * @param id the member
     * @return its disk
     */
    MemoryDisk disk(NodeId id);

    /** {@return the safety monitor of this group} */
    SafetyMonitor<C> monitor();

    /**
     * Feeds every running member's status to the safety monitor, and checks that a leader's commit
     * index is durable on its voters.
     */
    default void checkStatuses() {
        for (NodeId id : ids()) {
            Incarnation<C, R, M> incarnation = incarnation(id);
            if (incarnation == null) {
                continue;
            }
            NodeStatus status = incarnation.node().status();
            monitor().onStatus(status);
            if (status.role() == Role.LEADER) {
                Map<NodeId, MemoryDisk> voters = new TreeMap<>();
                status.voters().forEach(voter -> voters.put(voter, disk(voter)));
                monitor().checkCommitDurable(status.id(), disk(status.id()), status.commitIndex(), voters);
            }
        }
    }

    /**
     * Sets what every simulated group's members share: elections in 15 to 30 ticks, heartbeats
     * every 3, a wide write window and a small session window.
     *
     * @param config a member's configuration
     * @param snapshotThreshold the entries between snapshots, 0 for none
     * @return {@code config}
     */
    static Config.Builder simulated(Config.Builder config, long snapshotThreshold) {
        return config.electionTimeoutTicks(15, 30).heartbeatIntervalTicks(3).maxInflightWrites(1000)
                .snapshotThreshold(snapshotThreshold)
                // Clients keep one write in flight: a small response window keeps the session table,
                // and so the snapshots sent in tiny chunks, small.
                .sessionWindow(SESSION_WINDOW);
    }
}
