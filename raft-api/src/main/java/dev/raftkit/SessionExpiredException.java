package dev.raftkit;

/**
 * The session cannot answer for this write any more: the session is unknown, closed or expired, or
 * the write's sequence fell out of the session's response window. Open a new session with
 * {@link Node#openSession()} and go on with it.
 *
 * <p>Outcome: {@link #mayHaveCommitted()} is false when the engine knows the command was not
 * applied (refused at submit, or rejected when its entry was applied because the session was gone);
 * it is true when the command may have been applied once and its recorded response is gone (a
 * sequence at or below the session's highest applied sequence minus
 * {@link Config#sessionWindow()}).
 */
public final class SessionExpiredException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened, naming the session and the sequence
     * @param mayHaveCommitted false when the command is known not to have been applied
     */
    public SessionExpiredException(String message, boolean mayHaveCommitted) {
        super(message, null, mayHaveCommitted);
    }
}
