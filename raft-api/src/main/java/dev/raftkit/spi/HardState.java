package dev.raftkit.spi;

import dev.raftkit.NodeId;
import java.util.Optional;

/**
 * The Raft state that must be durable before a node answers anyone: its current term and the vote
 * it cast in that term, plus the highest commit index it knew when it last persisted (used on
 * restart to re-apply committed entries before serving reads).
 *
 * @param term the current term, 0 for a new node
 * @param votedFor the node voted for in {@code term}, or null if none
 * @param commitIndex a commit index known to this node, 0 if none
 */
public record HardState(long term, NodeId votedFor, long commitIndex) {

    /** The state of a node that never persisted anything. */
    public static final HardState INITIAL = new HardState(0, null, 0);

    /**
     * Validates the state.
     *
     * @param term the current term, 0 for a new node
     * @param votedFor the node voted for in {@code term}, or null if none
     * @param commitIndex a commit index known to this node, 0 if none
     * @throws IllegalArgumentException if term or commit index is negative
     */
    public HardState {
        if (term < 0 || commitIndex < 0) {
            throw new IllegalArgumentException("hard state term and commitIndex must be >= 0, were "
                    + term + " and " + commitIndex);
        }
    }

    /** {@return the vote, if one was cast in {@link #term()}} */
    public Optional<NodeId> vote() {
        return Optional.ofNullable(votedFor);
    }
}
