package dev.raftkit;

/**
 * No leader is known: a follower without a leader, or a (pre-)candidate. Back off and retry.
 *
 * <p>Outcome: the request was not accepted: nothing was appended.
 */
public final class NoLeaderException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened
     */
    public NoLeaderException(String message) {
        super(message, null, false);
    }
}
