package dev.raftkit.grpc;

import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.spi.RaftMessage;

/**
 * A single node's queue to one peer: one {@link Envelope} per frame, in the order offered, bounded
 * by {@code grpc.maxQueuedMessages} and {@code grpc.maxQueuedBytes}.
 */
final class NodeOutbox extends Outbox<Envelope> {

    private final NodeId self;
    private final NodeId peer;
    private final String clusterId;
    /** This node's own address, {@code host:port}, carried by every envelope. */
    private final String selfAddress;
    private final BoundedQueue queue;
    private volatile boolean closed;

    NodeOutbox(NodeId self, String selfAddress, NodeId peer, String clusterId, GrpcTransportOptions options,
            Counters counters) {
        super(counters, options);
        this.self = self;
        this.peer = peer;
        this.clusterId = clusterId;
        this.selfAddress = selfAddress;
        this.queue = new BoundedQueue(options);
    }

    /** Queues {@code message}, or drops and counts it; returns whether it was queued. Never blocks. */
    boolean offer(RaftMessage message) {
        if (closed) {
            counters.dropped(DropReason.LINK_CLOSED, 1);
            return false;
        }
        if (!queue.offer(message)) {
            counters.dropped(DropReason.QUEUE_FULL, 1);
            return false;
        }
        return true;
    }

    @Override
    Envelope next() {
        RaftMessage message;
        while ((message = queue.poll()) != null) {
            Envelope envelope = WireCodec.encode(clusterId, selfAddress, message);
            int size = envelope.getSerializedSize();
            if (size > maxFrameBytes) {
                dropTooLarge(self.value(), peer.value(), message.getClass().getSimpleName(), size);
                continue;
            }
            counters.sent();
            return envelope;
        }
        return null;
    }

    @Override
    boolean isEmpty() {
        return queue.isEmpty();
    }

    @Override
    void close() {
        closed = true;
        counters.dropped(DropReason.LINK_CLOSED, queue.clear());
    }
}
