package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * Answers a {@link ReadIndexRequest}: the leader's commit index when the request arrived, confirmed
 * by a quorum round started after it. The asking node serves the batch's reads once it has applied
 * {@code readIndex}.
 *
 * @param from the leader
 * @param to the node that asked
 * @param term the leader's term
 * @param requestId the request's {@code requestId}
 * @param readIndex the index the asking node must have applied before it serves the reads
 */
public record ReadIndexResponse(NodeId from, NodeId to, long term, long requestId, long readIndex)
        implements RaftMessage {
}
