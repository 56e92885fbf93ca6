package dev.raftkit;

/**
 * The failures a {@link Node} reports, each with one meaning and one caller action (see each
 * subclass). Futures returned by a node complete exceptionally with exactly one of these.
 */
public abstract sealed class RaftException extends RuntimeException
        permits NotLeaderException, NoLeaderException, BusyException,
                ShutdownException, DriverDeadException, FatalException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what happened
     * @param cause the underlying failure, or null
     */
    protected RaftException(String message, Throwable cause) {
        super(message, cause);
    }
}
