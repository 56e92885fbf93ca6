package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * Answers a {@link Heartbeat}.
 *
 * @param from the follower
 * @param to the leader
 * @param term the follower's term
 * @param readSeq the heartbeat's {@code readSeq}
 * @param lastLogIndex the follower's last log index, so a leader can resume replicating to it
 */
public record HeartbeatResponse(NodeId from, NodeId to, long term, long readSeq, long lastLogIndex)
        implements RaftMessage {
}
