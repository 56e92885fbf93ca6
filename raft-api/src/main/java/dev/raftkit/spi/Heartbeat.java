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

    /**
     * Builds a host's liveness heartbeat: a host whose groups quiesce tells each peer host it is up
     * with one of these, sent on a group the two share, from its member to the peer's member, so
     * the receiver names the sending host by the address its own configuration gives that member
     * (a host behind a proxy is known to its peers under another address than its own). It has term
     * 0, which no leader's heartbeat has (a leader's term is at least 1); {@code readSeq} carries
     * the sending host's incarnation, drawn at each start, so a restart is noticed. A host hands it
     * to its liveness tracking, never to the group's Raft state; a single node drops it.
     *
     * @param from the sending host's member of the group
     * @param to the peer host's member of the group
     * @param incarnation the sending host's incarnation, at least 1
     * @return the heartbeat
     * @throws IllegalArgumentException if {@code incarnation} is not positive
     */
    public static Heartbeat liveness(NodeId from, NodeId to, long incarnation) {
        if (incarnation < 1) {
            throw new IllegalArgumentException("a host's incarnation must be at least 1, was " + incarnation);
        }
        return new Heartbeat(from, to, 0, 0, incarnation, false);
    }

    /** {@return whether this is a host's {@linkplain #liveness liveness heartbeat}: term 0} */
    public boolean isLiveness() {
        return term == 0;
    }
}
