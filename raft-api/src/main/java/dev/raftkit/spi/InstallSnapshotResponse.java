package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * Acknowledges {@link InstallSnapshot} chunks.
 *
 * @param from the follower
 * @param to the leader
 * @param term the follower's term
 * @param snapshotIndex the index of the snapshot being acknowledged
 * @param nextOffset how many bytes of it the follower holds: the leader sends from here
 * @param installed whether the snapshot is complete, verified and installed
 */
public record InstallSnapshotResponse(NodeId from, NodeId to, long term, long snapshotIndex, long nextOffset,
        boolean installed) implements RaftMessage {
}
