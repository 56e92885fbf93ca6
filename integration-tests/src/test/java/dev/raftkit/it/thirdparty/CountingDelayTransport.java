package dev.raftkit.it.thirdparty;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A third party's {@link Transport} decorator, written only against raft-api: it counts every
 * message its node sends and receives, and holds each outbound message for a fixed delay before
 * handing it to the real transport. Order is kept: one scheduler thread sends messages with equal
 * delays in submission order.
 *
 * <p>Counts are kept per node id in a static registry ({@link #countsOf}), because the engine
 * creates transports through {@link CountingDelayTransportProvider} and ServiceLoader, out of the
 * test's reach; opening a node's transport again starts its counts from zero.
 */
public final class CountingDelayTransport implements Transport {

    /** Messages one node sent and received through this decorator. */
    public static final class Counts {

        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong received = new AtomicLong();

        /** Returns how many messages the node handed to the transport. */
        public long sent() {
            return sent.get();
        }

        /** Returns how many messages the transport delivered to the node. */
        public long received() {
            return received.get();
        }
    }

    private static final Map<NodeId, Counts> COUNTS = new ConcurrentHashMap<>();

    private final Transport delegate;
    private final Duration delay;
    private final Counts counts = new Counts();
    private final ScheduledExecutorService scheduler;

    CountingDelayTransport(NodeId self, Transport delegate, Duration delay) {
        this.delegate = delegate;
        this.delay = delay;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "counting-delay-" + self);
            thread.setDaemon(true);
            return thread;
        });
        COUNTS.put(self, counts);
    }

    /**
     * Returns the counts of the node's latest transport.
     *
     * @throws IllegalStateException if no transport was opened for that node
     */
    public static Counts countsOf(NodeId node) {
        Counts counts = COUNTS.get(node);
        if (counts == null) {
            throw new IllegalStateException("no counting-delay transport was opened for " + node);
        }
        return counts;
    }

    @Override
    public void start(MessageHandler handler) throws IOException {
        delegate.start(new MessageHandler() {
            @Override
            public void onMessage(RaftMessage message) {
                counts.received.incrementAndGet();
                handler.onMessage(message);
            }

            @Override
            public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
                counts.received.incrementAndGet();
                handler.onMessageFromUnknownSender(message, senderAddress);
            }
        });
    }

    @Override
    public void updatePeers(Map<NodeId, Address> peers) {
        delegate.updatePeers(peers);
    }

    /** Counts the message and sends it after the delay; never blocks, drops it once closed. */
    @Override
    public void send(RaftMessage message) {
        counts.sent.incrementAndGet();
        try {
            scheduler.schedule(() -> delegate.send(message), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed: a lost message is allowed, and the engine no longer cares
        }
    }

    @Override
    public long maxMessageBytes() {
        return delegate.maxMessageBytes();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        delegate.close();
    }
}
