package dev.raftkit;

import java.util.Optional;

/**
 * This node is not the leader. When it knows the leader, {@link #leaderHint()} and
 * {@link #leaderAddress()} say where to retry.
 *
 * <p>A write that was pending on a leader that lost leadership also fails with this exception:
 * its entry may still commit, so a retry may apply the command twice (make commands idempotent).
 */
public final class NotLeaderException extends RaftException {

    private static final long serialVersionUID = 1L;

    /** The leader this node knows, or null. */
    private final NodeId leaderHint;
    /** That leader's address, or null. */
    private final Address leaderAddress;

    /**
     * Creates the exception.
     *
     * @param message what happened
     * @param leaderHint the leader this node knows, or null
     * @param leaderAddress that leader's address, or null
     */
    public NotLeaderException(String message, NodeId leaderHint, Address leaderAddress) {
        super(message, null);
        this.leaderHint = leaderHint;
        this.leaderAddress = leaderAddress;
    }

    /** {@return the leader this node knows, to retry against} */
    public Optional<NodeId> leaderHint() {
        return Optional.ofNullable(leaderHint);
    }

    /** {@return the address of the hinted leader, when known} */
    public Optional<Address> leaderAddress() {
        return Optional.ofNullable(leaderAddress);
    }
}
