package dev.raftkit;

/**
 * The node is stopping or stopped. Stop calling it.
 *
 * <p>Outcome: {@link #mayHaveCommitted()} is true for a write the node had taken up for its log
 * when {@code close()} was called (its entry may commit through the other nodes, or replay when
 * this one restarts), and for other calls pending then; false for a call made after
 * {@code close()} and for a write the node had not taken up yet, which is never appended.
 * {@link Node#awaitLeader()} fails with it, false, once the node has stopped for any reason.
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
