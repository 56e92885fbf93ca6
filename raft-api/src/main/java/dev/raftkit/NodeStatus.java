package dev.raftkit;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A consistent, immutable view of one node's Raft state at one moment, as returned by
 * {@link Node#status()}.
 *
 * <p>Invariant: {@code snapshotIndex <= appliedIndex <= commitIndex}, and {@code commitIndex <=
 * lastLogIndex} except briefly on a follower that learned a commit index before receiving the
 * entries.
 *
 * <p>A node that is not {@link NodeState#RUNNING} (closed, or failed with {@link FatalException} or
 * {@link DriverDeadException}) never reports a live role: its {@code state} says so, its role is
 * {@link Role#FOLLOWER} ({@link Role#LEARNER} if it was a learner), its leader is empty, and the
 * other fields keep their last values.
 *
 * @param id the node
 * @param role its role
 * @param term its current term
 * @param leader the leader it knows for {@code term}, if any
 * @param commitIndex the highest log index it knows to be committed
 * @param appliedIndex the highest log index its state machine has applied
 * @param lastLogIndex the index of the last entry in its log
 * @param snapshotIndex the last index covered by its latest snapshot, 0 if none
 * @param voters the voting members of its current configuration
 * @param learners the learners of its current configuration
 * @param state whether it runs, was closed, or failed
 */
public record NodeStatus(NodeId id, Role role, long term, Optional<NodeId> leader, long commitIndex,
        long appliedIndex, long lastLogIndex, long snapshotIndex, Set<NodeId> voters, Set<NodeId> learners, NodeState state) {

    /**
     * Copies the sets so the status stays immutable.
     *
     * @param id the node
     * @param role its role
     * @param term its current term
     * @param leader the leader it knows for {@code term}, if any
     * @param commitIndex the highest log index it knows to be committed
     * @param appliedIndex the highest log index its state machine has applied
     * @param lastLogIndex the index of the last entry in its log
     * @param snapshotIndex the last index covered by its latest snapshot, 0 if none
     * @param voters the voting members of its current configuration
     * @param learners the learners of its current configuration
     * @param state whether it runs, was closed, or failed
     */
    public NodeStatus {
        voters = Set.copyOf(voters);
        learners = Set.copyOf(learners);
        Objects.requireNonNull(state, "state");
    }

    /**
     * The status of a {@link NodeState#RUNNING} node; the constructor of 0.2, before {@code state}.
     *
     * @param id the node
     * @param role its role
     * @param term its current term
     * @param leader the leader it knows for {@code term}, if any
     * @param commitIndex the highest log index it knows to be committed
     * @param appliedIndex the highest log index its state machine has applied
     * @param lastLogIndex the index of the last entry in its log
     * @param snapshotIndex the last index covered by its latest snapshot, 0 if none
     * @param voters the voting members of its current configuration
     * @param learners the learners of its current configuration
     */
    public NodeStatus(NodeId id, Role role, long term, Optional<NodeId> leader, long commitIndex, long appliedIndex,
            long lastLogIndex, long snapshotIndex, Set<NodeId> voters, Set<NodeId> learners) {
        this(id, role, term, leader, commitIndex, appliedIndex, lastLogIndex, snapshotIndex, voters, learners,
                NodeState.RUNNING);
    }
}
