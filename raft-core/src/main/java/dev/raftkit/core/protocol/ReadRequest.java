package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;

/**
 * Who waits for a read index the leader confirms: a read of its own driver, or a batch of reads a
 * follower or learner asked for with a {@code ReadIndexRequest}.
 */
sealed interface ReadRequest {

    /**
     * A read submitted on the leader itself; confirmed into {@link Ready#reads()}.
     *
     * @param context the read's id, given by the driver
     */
    record Local(long context) implements ReadRequest {
    }

    /**
     * A follower's batch of reads; answered with a {@code ReadIndexResponse}.
     *
     * @param follower the node that asked
     * @param requestId its number for the batch
     */
    record Remote(NodeId follower, long requestId) implements ReadRequest {
    }
}
