package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * Answers an {@link AppendEntries} once what it accepted is durable.
 *
 * @param from the follower
 * @param to the leader
 * @param term the follower's term
 * @param success whether the entries were accepted
 * @param index on success the last index now known to match the leader's log; on rejection the
 *     {@code prevLogIndex} that did not match
 * @param hintIndex on rejection, where the leader should probe next: the follower's last index if
 *     its log is shorter, else the first index of the conflicting term; 0 on success
 * @param hintTerm on rejection, the follower's term at {@code hintIndex}; 0 on success
 */
public record AppendEntriesResponse(NodeId from, NodeId to, long term, boolean success, long index,
        long hintIndex, long hintTerm) implements RaftMessage {
}
