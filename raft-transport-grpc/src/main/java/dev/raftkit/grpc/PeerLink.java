package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.grpc.proto.RaftTransportGrpc;
import dev.raftkit.grpc.proto.Rejection;
import dev.raftkit.spi.RaftMessage;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound side of one peer: a bounded queue and one long-lived gRPC stream that carries the
 * queued messages in order.
 *
 * <p>{@link #enqueue} never blocks: it adds to a lock-free queue, or drops and counts when the
 * queue is full. The enqueuing thread then drains, unless a drain is already due: it writes queued
 * messages to the stream only while the stream {@link ClientCallStreamObserver#isReady() is ready},
 * and the stream's on-ready callback (on the worker pool) resumes it, so a slow peer (or a large snapshot transfer) fills this bounded queue and never gRPC's
 * unbounded buffers. When the stream fails it is opened again, lazily, after a jittered exponential
 * backoff; the messages written to a failed stream are lost, and the engine's retries cover them.
 */
final class PeerLink {

    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

    private final NodeId self;
    private final NodeId peer;
    private final Address address;
    private final String clusterId;
    /** This node's own address, {@code host:port}, carried by every envelope. */
    private final String selfAddress;
    private final GrpcTransportOptions options;
    private final Counters counters;
    private final ScheduledExecutorService workers;
    private final ManagedChannel channel;
    private final RaftTransportGrpc.RaftTransportStub stub;

    private final Queue<RaftMessage> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedMessages = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile boolean closed;

    /** Guards the stream state below; never held by {@link #enqueue}. */
    private final Object streamLock = new Object();
    private Stream stream;
    private boolean reconnectPending;
    private boolean failedBefore;
    private final Backoff backoff;

    /** Creates the link; the channel connects on the first message. */
    PeerLink(NodeId self, Address selfAddress, NodeId peer, Address address, String clusterId,
            GrpcTransportOptions options, ChannelCredentials credentials, EventLoopGroup eventLoops,
            ScheduledExecutorService workers, Counters counters) {
        this.self = self;
        this.peer = peer;
        this.address = address;
        this.clusterId = clusterId;
        this.selfAddress = selfAddress.toString();
        this.options = options;
        this.counters = counters;
        this.workers = workers;
        this.backoff = new Backoff(options.reconnectInitialBackoff(), options.reconnectMaxBackoff(),
                new SplittableRandom());
        this.channel = NettyChannelBuilder.forAddress(address.host(), address.port(), credentials)
                .eventLoopGroup(eventLoops)
                .channelType(NioSocketChannel.class)
                .executor(workers)
                .offloadExecutor(workers)
                .maxInboundMessageSize(64 * 1024) // the peer only sends small rejection notices back
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .disableRetry()
                .build();
        this.stub = RaftTransportGrpc.newStub(channel);
    }

    /** Returns the address this link sends to. */
    Address address() {
        return address;
    }

    /** Queues {@code message} for the peer, or drops and counts it; never blocks. */
    void enqueue(RaftMessage message) {
        if (closed) {
            counters.dropped(DropReason.LINK_CLOSED, 1);
            return;
        }
        long size = message.sizeBytes();
        int count = queuedMessages.incrementAndGet();
        long bytes = queuedBytes.addAndGet(size);
        if (count > options.maxQueuedMessages() || bytes > options.maxQueuedBytes()) {
            queuedMessages.decrementAndGet();
            queuedBytes.addAndGet(-size);
            counters.dropped(DropReason.QUEUE_FULL, 1);
            return;
        }
        queue.add(message);
        scheduleDrain();
    }

    /** Stops the link: cancels the stream, drops what is queued, shuts the channel down (not awaited). */
    void close() {
        closed = true;
        synchronized (streamLock) {
            if (stream != null) {
                stream.requests.cancel("link to " + peer + " closed", null);
                stream = null;
            }
        }
        discardQueue();
        channel.shutdownNow();
    }

    /** Waits until the channel has terminated, at most {@code millis}. */
    boolean awaitTermination(long millis) throws InterruptedException {
        return channel.awaitTermination(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Drains on the calling thread unless a drain is already due: handing the write to a worker
     * first would add a thread wake-up to every message's latency. Draining never blocks on I/O:
     * gRPC only queues the frame for the event loop, and flow control stops the loop.
     */
    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            drain();
        }
    }

    private void drain() {
        drainScheduled.set(false);
        synchronized (streamLock) {
            if (closed) {
                discardQueue();
                return;
            }
            if (stream == null) {
                if (!reconnectPending && !queue.isEmpty()) {
                    openStream();
                }
                return; // the stream's on-ready callback drains once it can carry messages
            }
            ClientCallStreamObserver<Envelope> requests = stream.requests;
            RaftMessage message;
            while (requests.isReady() && (message = poll()) != null) {
                Envelope envelope = WireCodec.encode(clusterId, selfAddress, message);
                int size = envelope.getSerializedSize();
                if (size > options.maxMessageBytes()) {
                    counters.dropped(DropReason.TOO_LARGE, 1);
                    LOG.warn("{}: dropped a {} of {} bytes to {}: over {} = {}", self,
                            message.getClass().getSimpleName(), size, peer, GrpcTransportOptions.MAX_MESSAGE_BYTES,
                            options.maxMessageBytes());
                    continue;
                }
                requests.onNext(envelope);
                counters.sent();
            }
        }
    }

    private RaftMessage poll() {
        RaftMessage message = queue.poll();
        if (message != null) {
            queuedMessages.decrementAndGet();
            queuedBytes.addAndGet(-message.sizeBytes());
        }
        return message;
    }

    private void discardQueue() {
        int discarded = 0;
        while (poll() != null) {
            discarded++;
        }
        counters.dropped(DropReason.LINK_CLOSED, discarded);
    }

    /** Opens a new stream; called with {@link #streamLock} held. */
    private void openStream() {
        if (failedBefore) {
            channel.resetConnectBackoff(); // our own backoff has already waited
        }
        Stream opened = new Stream();
        stub.stream(opened);
        stream = opened;
    }

    private void streamEnded(Stream ended, Throwable error) {
        synchronized (streamLock) {
            if (stream != ended || closed) {
                return;
            }
            stream = null;
            failedBefore = true;
            reconnectPending = true;
            long delay = backoff.nextDelayNanos();
            LOG.debug("{}: stream to {} at {} ended ({}); reopening in {} ms", self, peer, address,
                    error == null ? "completed" : error.getMessage(), TimeUnit.NANOSECONDS.toMillis(delay));
            try {
                workers.schedule(this::reconnect, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the transport is closing
            }
        }
    }

    private void reconnect() {
        synchronized (streamLock) {
            reconnectPending = false;
        }
        scheduleDrain();
    }

    private void streamReady(Stream ready) {
        synchronized (streamLock) {
            if (stream == ready) {
                backoff.reset();
            }
        }
        scheduleDrain();
    }

    /** One stream to the peer: the request side we write to, and the peer's rejection notices. */
    private final class Stream implements ClientResponseObserver<Envelope, Rejection> {
        private ClientCallStreamObserver<Envelope> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<Envelope> requestStream) {
            this.requests = requestStream;
            requestStream.setOnReadyHandler(() -> streamReady(this));
        }

        @Override
        public void onNext(Rejection rejection) {
            LOG.warn("{}: peer {} at {} rejects our messages ({}); its log says why", self, peer,
                    address, rejection.getReason());
        }

        @Override
        public void onError(Throwable error) {
            streamEnded(this, error);
        }

        @Override
        public void onCompleted() {
            streamEnded(this, null);
        }
    }
}
