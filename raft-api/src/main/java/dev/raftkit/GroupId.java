package dev.raftkit;

import java.util.Objects;

/**
 * The identity of one Raft group on a {@link RaftHost}: 1 to 64 characters of {@code [A-Za-z0-9._-]},
 * the same rules as {@link NodeId}. Every member of a group uses the same id for it; the id travels
 * with each of the group's messages and prefixes its data in the host's log store.
 *
 * @param value the id text
 */
public record GroupId(String value) implements Comparable<GroupId> {

    /**
     * Validates the id.
     *
     * @param value the id text
     * @throws IllegalArgumentException if {@code value} is null, empty, longer than 64 characters or
     *     holds a character outside {@code [A-Za-z0-9._-]}
     */
    public GroupId {
        if (!NodeId.isValid(value)) {
            throw new IllegalArgumentException("invalid group id " + (value == null ? "null" : '"' + value + '"')
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
    public static GroupId of(String value) {
        return new GroupId(value);
    }

    @Override
    public int compareTo(GroupId other) {
        return value.compareTo(Objects.requireNonNull(other, "other").value);
    }

    /** Returns the id text itself, so ids read naturally in logs and messages. */
    @Override
    public String toString() {
        return value;
    }
}
