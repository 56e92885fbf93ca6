package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * Asserts leadership and carries the commit index; also confirms pending linearizable reads: a
 * quorum of responses echoing {@code readSeq} proves the sender was still leader when it sent it.
 *
 * @param from the leader
 * @param to the follower or learner
 * @param term the leader's term
 * @param commitIndex the leader's commit index, capped at what the receiver is known to hold
 * @param readSeq a sequence number echoed in the response
 * @param quiesce the leader stops heartbeating this group after this one; a follower whose log ends
 *     at {@code commitIndex} stops its election clock until any message of the group arrives or the
 *     host wakes it. Only groups of a host quiesce; a peer that does not know the flag reads false
 */
public record Heartbeat(NodeId from, NodeId to, long term, long commitIndex, long readSeq, boolean quiesce)
        implements RaftMessage {

    /**
     * A heartbeat that does not quiesce the group: the leader goes on heartbeating.
     *
     * @param from the leader
     * @param to the follower or learner
     * @param term the leader's term
     * @param commitIndex the leader's commit index, capped at what the receiver is known to hold
     * @param readSeq a sequence number echoed in the response
     */
    public Heartbeat(NodeId from, NodeId to, long term, long commitIndex, long readSeq) {
        this(from, to, term, commitIndex, readSeq, false);
    }
}
