package dev.raftkit;

import java.util.Objects;

/**
 * The identity of a Raft node: 1 to 64 characters of {@code [A-Za-z0-9._-]}.
 *
 * <p>Ids are compared by value and ordered lexicographically, so iteration over sets of ids is
 * deterministic. A node id is never reused for a different machine after it was removed from a
 * cluster.
 *
 * @param value the id text
 */
public record NodeId(String value) implements Comparable<NodeId> {

    private static final int MAX_LENGTH = 64;

    /**
     * Validates the id.
     *
     * @param value the id text
     * @throws IllegalArgumentException if {@code value} is null, empty, longer than 64 characters or
     *     holds a character outside {@code [A-Za-z0-9._-]}
     */
    public NodeId {
        if (!isValid(value)) {
            throw new IllegalArgumentException("invalid node id " + (value == null ? "null" : '"' + value + '"')
                    + ": expected 1 to 64 characters of [A-Za-z0-9._-]");
        }
    }

    /**
     * The id rule, shared with {@link GroupId}. A character loop rather than a regular expression:
     * every message a transport decodes checks two ids.
     */
    static boolean isValid(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.'
                    || c == '_' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the id with the given text.
     *
     * @param value 1 to 64 characters of {@code [A-Za-z0-9._-]}
     * @return the id
     * @throws IllegalArgumentException if {@code value} is not a valid id
     */
    public static NodeId of(String value) {
        return new NodeId(value);
    }

    @Override
    public int compareTo(NodeId other) {
        return value.compareTo(Objects.requireNonNull(other, "other").value);
    }

    /** Returns the id text itself, so ids read naturally in logs and messages. */
    @Override
    public String toString() {
        return value;
    }
}
