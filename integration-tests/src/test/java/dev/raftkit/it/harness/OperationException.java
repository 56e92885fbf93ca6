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

    /**
     * @param kind how it failed
     * @param leaderHint the leader the node named, or null
     * @param message what happened
     * @param cause the underlying error, or null
     */
    public OperationException(FailureKind kind, NodeId leaderHint, String message, Throwable cause) {
        super(kind + ": " + message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.leaderHint = leaderHint;
    }

    /** Returns how the request failed. */
    public FailureKind kind() {
        return kind;
    }

    /** Returns the leader the answering node named, if any. */
    public Optional<NodeId> leaderHint() {
        return Optional.ofNullable(leaderHint);
    }
}
