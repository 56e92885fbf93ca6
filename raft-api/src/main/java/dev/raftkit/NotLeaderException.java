package dev.raftkit;

import java.util.Optional;

/**
 * This node is not the leader. When it knows the leader, {@link #leaderHint()} and
 * {@link #leaderAddress()} say where to retry.
 *
 * <p>Outcome: {@link #mayHaveCommitted()} is false when the call reached a node that did not lead
 * (refused: nothing appended, retry against the hint), and when the engine knows the write's entry
 * lost its place in the log to another entry that committed. It is true when the call was
 * accepted and leadership was lost while it was pending: its entry may still commit (or a
 * leadership transfer's target may still win), so a plain retry may apply the command twice;
 * retry through a {@linkplain Node#openSession() session} instead. It is also true for a write
 * whose committed entries a snapshot from the new leader replaced before they applied on this
 * node: they took effect, but this node has no response for them.
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
        this(message, leaderHint, leaderAddress, true);
    }

    /**
     * Creates the exception.
     *
     * @param message what happened
     * @param leaderHint the leader this node knows, or null
     * @param leaderAddress that leader's address, or null
     * @param mayHaveCommitted false when the command was refused (this node was not the leader
     *     when it was called), true when it was accepted and leadership was lost while it was pending
     */
    public NotLeaderException(String message, NodeId leaderHint, Address leaderAddress, boolean mayHaveCommitted) {
        super(message, null, mayHaveCommitted);
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
