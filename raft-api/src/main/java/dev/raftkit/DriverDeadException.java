package dev.raftkit;

/**
 * The node's driver thread exited without a clean shutdown (an engine bug or a JVM error such as
 * {@link OutOfMemoryError}). Every pending and later call fails with it. Fatal: restart the
 * process; the durable state is intact.
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
