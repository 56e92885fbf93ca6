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
 */
public record Heartbeat(NodeId from, NodeId to, long term, long commitIndex, long readSeq)
        implements RaftMessage {
}
