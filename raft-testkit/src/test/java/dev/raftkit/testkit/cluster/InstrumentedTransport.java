package dev.raftkit.testkit.cluster;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link Transport} wrapper that counts the appends a node sends, can make one {@code send}
 * throw an {@link Error}, to kill the engine thread that sends it at a moment the test chooses,
 * and can hand the engine a message no transport would pass on, to test the engine's own checks.
 *
 * <p>Thread-safe: the engine sends from its driver and storage threads.
 */
final class InstrumentedTransport implements Transport {

    private record Fault(Class<? extends RaftMessage> type, Error error) {
    }

    private final Transport delegate;
    private final Map<NodeId, LongAdder> appendsWithEntries = new ConcurrentHashMap<>();
    private final AtomicInteger mostEntriesInOneAppend = new AtomicInteger();
    private final AtomicReference<Fault> fault = new AtomicReference<>();
    private volatile MessageHandler handler;

    InstrumentedTransport(Transport delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * Makes the next send of a message of {@code type} throw {@code error} instead of sending it;
     * later sends go through.
     */
    void failNextSend(Class<? extends RaftMessage> type, Error error) {
        fault.set(new Fault(Objects.requireNonNull(type, "type"), Objects.requireNonNull(error, "error")));
    }

    /** Returns how many appends carrying at least one entry this node sent to {@code peer}. */
    long appendsWithEntries(NodeId peer) {
        LongAdder count = appendsWithEntries.get(peer);
        return count == null ? 0 : count.sum();
    }

    /** Returns the largest number of entries one append from this node carried. */
    int mostEntriesInOneAppend() {
        return mostEntriesInOneAppend.get();
    }

    /** Hands {@code message} straight to the engine, as if the transport had received and passed it on. */
    void inject(RaftMessage message) {
        MessageHandler target = handler;
        if (target == null) {
            throw new IllegalStateException("the transport of " + message.to() + " was not started");
        }
        target.onMessage(message);
    }

    @Override
    public void start(MessageHandler handler) throws IOException {
        delegate.start(handler);
        this.handler = handler;
    }

    @Override
    public void updatePeers(Map<NodeId, Address> peers) {
        delegate.updatePeers(peers);
    }

    @Override
    public void send(RaftMessage message) {
        Fault armed = fault.get();
        if (armed != null && armed.type.isInstance(message) && fault.compareAndSet(armed, null)) {
            throw armed.error;
        }
        if (message instanceof AppendEntries append && !append.entries().isEmpty()) {
            appendsWithEntries.computeIfAbsent(append.to(), k -> new LongAdder()).increment();
            mostEntriesInOneAppend.accumulateAndGet(append.entries().size(), Math::max);
        }
        delegate.send(message);
    }

    @Override
    public long maxMessageBytes() {
        return delegate.maxMessageBytes();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
