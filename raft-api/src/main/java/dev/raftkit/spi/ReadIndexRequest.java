package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * Asks the leader for a read index on behalf of reads that a follower or learner serves itself
 * ({@code ReadPolicy.FOLLOWER}): every such read the sender queued since its previous request shares
 * this one message. The leader answers with a {@link ReadIndexResponse} once a quorum round started
 * after the request arrived has confirmed that it still leads, exactly as for its own reads
 * (ReadIndex, dissertation §6.4).
 *
 * @param from the follower or learner
 * @param to the leader it follows
 * @param term the sender's term
 * @param requestId the sender's number for this batch, echoed in the answer
 */
public record ReadIndexRequest(NodeId from, NodeId to, long term, long requestId) implements RaftMessage {
}
