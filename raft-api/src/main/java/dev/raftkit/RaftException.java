package dev.raftkit;

/**
 * The failures a {@link Node} reports, each with one meaning and one caller action (see each
 * subclass). Futures returned by a node complete exceptionally with exactly one of these.
 *
 * <p>Each failure also says whether the command {@link #mayHaveCommitted() may have taken
 * effect}: a write is <em>refused</em> when the call failed before the leader appended its entry
 * (nothing appended, a retry cannot duplicate it), and <em>accepted</em> once that entry is in the
 * leader's log, after which only the log decides its fate.
 */
public abstract sealed class RaftException extends RuntimeException
        permits NotLeaderException, NoLeaderException, BusyException,
                ShutdownException, DriverDeadException, FatalException, SessionExpiredException {

    private static final long serialVersionUID = 1L;

    /** Whether the command may have taken effect; see {@link #mayHaveCommitted()}. */
    private final boolean mayHaveCommitted;

    /**
     * Creates an exception that does not know whether the command took effect, so it answers
     * {@link #mayHaveCommitted()} with {@code true}: the answer that never leads a caller to lose a
     * write by assuming it failed.
     *
     * @param message what happened
     * @param cause the underlying failure, or null
     */
    protected RaftException(String message, Throwable cause) {
        this(message, cause, true);
    }

    /**
     * Creates an exception.
     *
     * @param message what happened
     * @param cause the underlying failure, or null
     * @param mayHaveCommitted false only when the command has not taken effect and never will
     */
    protected RaftException(String message, Throwable cause, boolean mayHaveCommitted) {
        super(message, cause);
        this.mayHaveCommitted = mayHaveCommitted;
    }

    /**
     * Whether the command may have taken effect (been applied).
     *
     * <p>{@code false}: it has not and never will, so a retry cannot apply it twice. That is always
     * the answer of {@link NoLeaderException} and {@link BusyException}, and of the other failures
     * when the write was refused (failed before the leader appended it) or when the engine knows it
     * was not applied (a session write rejected at apply).
     *
     * <p>{@code true}: the write was accepted and its fate is unknown, for example pending on a
     * leader that lost leadership or on a node that stopped. Retry it through a
     * {@linkplain Node#openSession() session} to apply it at most once, or read the state to find
     * out.
     *
     * @return whether the command may have been applied
     */
    public boolean mayHaveCommitted() {
        return mayHaveCommitted;
    }
}
