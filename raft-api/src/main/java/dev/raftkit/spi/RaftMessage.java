package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * A message between two nodes of a cluster. The family is closed, so transports can encode every
 * member exhaustively with a {@code switch}.
 *
 * <p>Messages are immutable values; entry payloads and snapshot chunks are shared, not copied.
 */
public sealed interface RaftMessage permits RequestVote, RequestVoteResponse, AppendEntries,
        AppendEntriesResponse, Heartbeat, HeartbeatResponse, InstallSnapshot, InstallSnapshotResponse,
        TimeoutNow {

    /** {@return the sender} */
    NodeId from();

    /** {@return the receiver} */
    NodeId to();

    /** {@return the sender's current term} */
    long term();

    /**
     * Estimates the encoded size: 64 bytes for the ids, term and indexes, plus the entries' payloads
     * or the snapshot chunk. Transports bound their queues and frames with it before encoding.
     *
     * @return the estimate in bytes
     */
    default long sizeBytes() {
        return 64;
    }
}
