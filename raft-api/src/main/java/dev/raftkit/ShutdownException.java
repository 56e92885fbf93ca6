package dev.raftkit;

/**
 * The node is stopping or stopped. Stop calling it.
 *
 * <p>Outcome: a write pending at shutdown may still have committed ({@link #mayHaveCommitted()}
 * is then true); one refused because the node was already stopping has not.
 */
public final class ShutdownException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened
     */
    public ShutdownException(String message) {
        super(message, null);
    }

    /**
     * Creates the exception.
     *
     * @param message what happened
     * @param mayHaveCommitted false when the command was refused, true when it was pending
     */
    public ShutdownException(String message, boolean mayHaveCommitted) {
        super(message, null, mayHaveCommitted);
    }
}
