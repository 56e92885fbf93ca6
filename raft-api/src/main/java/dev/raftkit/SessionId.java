package dev.raftkit;

/**
 * A client session for exactly-once writes, opened with {@link Node#openSession()}. The log assigns
 * it, so it is unique in the cluster and the same on every node: a write retried on another node
 * with the same session and sequence applies at most once.
 *
 * @param value the session's number, at least 1
 */
public record SessionId(long value) {

    /**
     * Checks the value.
     *
     * @param value the session's number, at least 1
     * @throws IllegalArgumentException if value is below 1
     */
    public SessionId {
        if (value < 1) {
            throw new IllegalArgumentException("a session id must be >= 1, was " + value);
        }
    }

    @Override
    public String toString() {
        return "session-" + value;
    }
}
