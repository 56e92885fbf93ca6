package dev.raftkit.it.harness;

import dev.raftkit.BusyException;
import dev.raftkit.DriverDeadException;
import dev.raftkit.FatalException;
import dev.raftkit.NoLeaderException;
import dev.raftkit.NotLeaderException;
import dev.raftkit.SessionExpiredException;
import dev.raftkit.ShutdownException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * Why a request to a node returned no result, as far as a client can tell; it decides how the
 * workload records the operation (RELIABILITY.md §3.6, P1 and P3).
 */
public enum FailureKind {

    /** The node is not the leader, or lost leadership while the write was pending: it may still commit. */
    NOT_LEADER,
    /** The node knew no leader and proposed nothing. */
    NO_LEADER,
    /** Too many writes in flight, or a leadership transfer: proposed nothing. */
    BUSY,
    /** The node is stopping. */
    SHUTDOWN,
    /** The node stopped itself (storage or transport fault, or its driver died): a test failure. */
    FATAL,
    /** No answer within the client's timeout. */
    TIMEOUT,
    /** The request never left the client: the node is not running, or refused the connection. */
    UNREACHABLE,
    /** The request was sent, but the connection broke before the answer came (reset, closed). */
    TRANSPORT,
    /** The session cannot answer for the write's sequence any more (unknown, closed, expired). */
    SESSION_EXPIRED,
    /** Anything else. */
    OTHER;

    /**
     * Tells whether a write that failed this way certainly never takes effect, whatever the node
     * said. Other kinds are certain only when the node's {@code RaftException} says so
     * ({@link OperationException#writeCertainlyNotApplied()}).
     */
    public boolean writeCertainlyNotApplied() {
        return this == NO_LEADER || this == BUSY || this == UNREACHABLE;
    }

    /** Classifies an error thrown by (or completing the future of) a {@code Node} call or a remote request. */
    public static FailureKind of(Throwable error) {
        if (error instanceof NotLeaderException) {
            return NOT_LEADER;
        }
        if (error instanceof NoLeaderException) {
            return NO_LEADER;
        }
        if (error instanceof BusyException) {
            return BUSY;
        }
        if (error instanceof ShutdownException) {
            return SHUTDOWN;
        }
        if (error instanceof SessionExpiredException) {
            return SESSION_EXPIRED;
        }
        if (error instanceof FatalException || error instanceof DriverDeadException) {
            return FATAL;
        }
        if (error instanceof TimeoutException || error instanceof java.net.SocketTimeoutException) {
            return TIMEOUT;
        }
        if (error instanceof IOException) {
            return TRANSPORT;
        }
        return OTHER;
    }
}
