package dev.raftkit;

import java.util.Objects;
import java.util.regex.Pattern;

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

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * Validates the id.
     *
     * @param value the id text
     * @throws IllegalArgumentException if {@code value} is null, empty, longer than 64 characters or
     *     holds a character outside {@code [A-Za-z0-9._-]}
     */
    public NodeId {
        if (value == null || !VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid node id " + (value == null ? "null" : '"' + value + '"')
                    + ": expected 1 to 64 characters of [A-Za-z0-9._-]");
        }
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
