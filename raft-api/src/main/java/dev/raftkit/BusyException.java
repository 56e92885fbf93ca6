package dev.raftkit;

/**
 * More than {@code maxInflightWrites} writes are in flight, or the leader is handing over leadership. Back off and retry.
 *
 * <p>Outcome: the request was not accepted: nothing was appended.
 */
public final class BusyException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened
     */
    public BusyException(String message) {
        super(message, null, false);
    }
}
