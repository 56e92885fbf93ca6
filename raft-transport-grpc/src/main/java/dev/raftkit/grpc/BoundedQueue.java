package dev.raftkit.grpc;

import dev.raftkit.spi.RaftMessage;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free queue of outbound messages bounded in count and in estimated bytes
 * ({@link RaftMessage#sizeBytes()}), the per-peer queue of {@code grpc.maxQueuedMessages} and
 * {@code grpc.maxQueuedBytes}: {@link #offer} never blocks, it refuses when full.
 */
final class BoundedQueue {

    private final int maxMessages;
    private final long maxBytes;
    private final Queue<RaftMessage> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger messages = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    BoundedQueue(GrpcTransportOptions options) {
        this.maxMessages = options.maxQueuedMessages();
        this.maxBytes = options.maxQueuedBytes();
    }

    /** Adds {@code message} unless that would exceed a bound; returns whether it was added. */
    boolean offer(RaftMessage message) {
        long size = message.sizeBytes();
        int count = messages.incrementAndGet();
        long total = bytes.addAndGet(size);
        if (count > maxMessages || total > maxBytes) {
            messages.decrementAndGet();
            bytes.addAndGet(-size);
            return false;
        }
        queue.add(message);
        return true;
    }

    /** {@return the oldest message, removed, or null if none} */
    RaftMessage poll() {
        RaftMessage message = queue.poll();
        if (message != null) {
            messages.decrementAndGet();
            bytes.addAndGet(-message.sizeBytes());
        }
        return message;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Removes every message; returns how many there were. */
    int clear() {
        int cleared = 0;
        while (poll() != null) {
            cleared++;
        }
        return cleared;
    }
}
