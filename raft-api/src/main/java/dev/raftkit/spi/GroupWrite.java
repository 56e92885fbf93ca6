package dev.raftkit.spi;

import dev.raftkit.GroupId;
import java.util.List;
import java.util.Objects;

/**
 * One group's part of a {@link HostLogStore#persist} call: what {@link LogStore#persist} would
 * take for that group.
 *
 * @param group the group
 * @param hardState its new hard state, or null to keep the current one
 * @param entries the entries to append, possibly empty
 */
public record GroupWrite(GroupId group, HardState hardState, List<LogEntry> entries) {

    /**
     * Checks that the group and entries are given and copies the list.
     *
     * @param group the group
     * @param hardState its new hard state, or null to keep the current one
     * @param entries the entries to append, possibly empty
     */
    public GroupWrite {
        Objects.requireNonNull(group, "group");
        entries = List.copyOf(entries);
    }
}
