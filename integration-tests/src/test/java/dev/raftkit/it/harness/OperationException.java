package dev.raftkit.it.harness;

import dev.raftkit.NodeId;
import java.util.Objects;
import java.util.Optional;

/**
 * A request to one node returned no result: what kind of failure it was and, for
 * {@link FailureKind#NOT_LEADER}, which node the answering node took for the leader.
 */
public final class OperationException extends Exception {

    private static final long serialVersionUID = 1L;

    private final FailureKind kind;
    private final transient NodeId leaderHint;
    private final boolean mayHaveCommitted;

    /**
     * Creates a failure whose write may have taken effect unless its kind alone rules that out
     * ({@link FailureKind#writeCertainlyNotApplied()}).
     *
     * @param kind how it failed
     * @param leaderHint the leader the node named, or null
     * @param message what happened
     * @param cause the underlying error, or null
     */
    public OperationException(FailureKind kind, NodeId leaderHint, String message, Throwable cause) {
        this(kind, leaderHint, !kind.writeCertainlyNotApplied(), message, cause);
    }

    /**
     * Creates a failure that says whether its write may have taken effect.
     *
     * @param kind how it failed
     * @param leaderHint the leader the node named, or null
     * @param mayHaveCommitted false only when the write has not taken effect and never will
     * @param message what happened
     * @param cause the underlying error, or null
     */
    public OperationException(FailureKind kind, NodeId leaderHint, boolean mayHaveCommitted, String message,
            Throwable cause) {
        super(kind + ": " + message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.leaderHint = leaderHint;
        this.mayHaveCommitted = mayHaveCommitted && !kind.writeCertainlyNotApplied();
    }

    /** Returns how the request failed. */
    public FailureKind kind() {
        return kind;
    }

    /**
     * Tells whether a write that failed this way certainly never takes effect: its kind rules it
     * out, or the node's {@code RaftException.mayHaveCommitted()} said false. Only then may a
     * client record it as failed, or retry it outside a session.
     */
    public boolean writeCertainlyNotApplied() {
        return !mayHaveCommitted;
    }

    /** Returns the leader the answering node named, if any. */
    public Optional<NodeId> leaderHint() {
        return Optional.ofNullable(leaderHint);
    }
}
