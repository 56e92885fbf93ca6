package dev.raftkit;

/**
 * The node's driver thread exited without a clean shutdown (an engine bug or a JVM error such as
 * {@link OutOfMemoryError}). Every pending and later call fails with it. Fatal: restart the
 * process; the durable state is intact.
 *
 * <p>Outcome: {@link #mayHaveCommitted()} is true for a write the node had taken up for its log
 * when it stopped (its entry may commit through the other nodes, or replay when this one
 * restarts), and for other calls pending then; false for a call made after the node stopped and
 * for a write the node had not taken up yet.
 */
public final class DriverDeadException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened
     * @param cause what killed the driver, or null
     */
    public DriverDeadException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates the exception.
     *
     * @param message what happened
     * @param cause what killed the driver, or null
     * @param mayHaveCommitted false when the command was refused, true when it was pending
     */
    public DriverDeadException(String message, Throwable cause, boolean mayHaveCommitted) {
        super(message, cause, mayHaveCommitted);
    }
}
