package dev.raftkit.it.harness;

import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.Role;
import java.util.Optional;

/**
 * One sample of a node's Raft state, taken by polling its status.
 *
 * @param node the node
 * @param incarnation identifies one run of the node: it changes when the node restarts, since
 *     commit and applied indexes legitimately start over then
 * @param role its role
 * @param term its current term
 * @param leader the leader it knows, if any
 * @param commitIndex its commit index
 * @param appliedIndex its applied index
 */
public record NodeObservation(NodeId node, String incarnation, Role role, long term, Optional<NodeId> leader,
        long commitIndex, long appliedIndex) {

    /** Builds an observation from a status the node reported. */
    public static NodeObservation of(String incarnation, NodeStatus status) {
        return new NodeObservation(status.id(), incarnation, status.role(), status.term(), status.leader(),
                status.commitIndex(), status.appliedIndex());
    }
}
