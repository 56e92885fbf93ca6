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
        TimeoutNow, ReadIndexRequest, ReadIndexResponse {

    /**
     * The highest term any valid message carries: 2<sup>48</sup>. A term only grows by one per
     * election, so even one election every millisecond, without pause, needs about 8,900 years to
     * reach it; a term above it can only be forged or corrupt. The bound also leaves 2<sup>63</sup>
     * &minus; 2<sup>48</sup> of headroom below {@link Long#MAX_VALUE}, so no arithmetic on a valid
     * term overflows.
     *
     * <p>Transports reject (and count) an inbound message whose term, or any term it carries (a
     * log entry's, a snapshot's, the last or previous log term), exceeds it, as they reject other
     * malformed fields. The engine drops (and counts) a message whose term exceeds it without
     * changing or persisting its own term, and a node whose term reached it campaigns no more.
     */
    long MAX_TERM = 1L << 48;

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
