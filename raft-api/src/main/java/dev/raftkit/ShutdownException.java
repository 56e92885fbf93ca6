package dev.raftkit;

/**
 * The node is stopping or stopped. Stop calling it.
 *
 * <p>Outcome: a write pending at shutdown may still have committed.
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
}
