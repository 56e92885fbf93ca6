package dev.raftkit;

import java.util.Objects;

/**
 * A non-recoverable storage or transport fault (a failed fsync, a corrupt log entry, a full disk)
 * stopped the node. Every pending and later call fails with it. Fatal: fix the cause and restart
 * the process; acknowledged writes are never lost by stopping.
 *
 * <p>Outcome: {@link #mayHaveCommitted()} is true for a write the node had taken up for its log
 * when it stopped (its entry may commit through the other nodes, or replay when this one
 * restarts), and for other calls pending then; false for a call made after the node stopped and
 * for a write the node had not taken up yet.
 */
public final class FatalException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened, naming the component and, for storage, the index or file
     * @param cause the fault; never null
     */
    public FatalException(String message, Throwable cause) {
        super(message, Objects.requireNonNull(cause, "cause"));
    }

    /**
     * Creates the exception.
     *
     * @param message what happened, naming the component and, for storage, the index or file
     * @param cause the fault; never null
     * @param mayHaveCommitted false when the command was refused, true when it was pending
     */
    public FatalException(String message, Throwable cause, boolean mayHaveCommitted) {
        super(message, Objects.requireNonNull(cause, "cause"), mayHaveCommitted);
    }
}
