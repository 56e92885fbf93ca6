package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.grpc.proto.RaftTransportGrpc;
import dev.raftkit.grpc.proto.Rejection;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound side of one peer (a node, or a host): an {@link Outbox} of queued messages and one
 * long-lived gRPC stream that carries its frames in order.
 *
 * <p>The outbox's owner adds messages without blocking (dropping and counting when full) and then
 * calls {@link #wake}, which drains on the calling thread unless a drain is already due: it writes
 * frames to the stream only while the stream {@link ClientCallStreamObserver#isReady() is ready},
 * and the stream's on-ready callback (on the worker pool) resumes it, so a slow peer (or a large
 * snapshot transfer) fills the bounded outbox and never gRPC's unbounded buffers. When the stream
 * fails it is opened again, lazily, after a jittered exponential backoff; the messages written to a
 * failed stream are lost, and the engine's retries cover them. What the peer sends back (it rejected
 * a message, or does not run a group) goes to the rejection handler.
 *
 * @param <F> the frame type of the stream
 */
final class PeerLink<F> {

    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

    /** Opens a stream on a stub: the stub's method of the link's frame type. */
    @FunctionalInterface
    interface StreamOpener<F> {
        /** Opens the stream whose answers go to {@code responses}. */
        void open(RaftTransportGrpc.RaftTransportStub stub, ClientResponseObserver<F, Rejection> responses);
    }

    /** What the logs call the sender: a node id, or a host's address. */
    private final String self;
    /** What the logs call the peer: a node id, or a host's address. */
    private final String peer;
    private final Address address;
    private final ScheduledExecutorService workers;
    private final ManagedChannel channel;
    private final RaftTransportGrpc.RaftTransportStub stub;
    private final Outbox<F> outbox;
    private final StreamOpener<F> opener;
    private final Consumer<Rejection> rejections;

    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile boolean closed;

    /** Guards the stream state below; never held by {@link #wake}'s callers while they add. */
    private final Object streamLock = new Object();
    private Stream stream;
    private boolean reconnectPending;
    private boolean failedBefore;
    private final Backoff backoff;

    /**
     * Creates the link; the channel connects on the first message.
     *
     * @param rejections told of every notice the peer sends back, on a worker thread
     */
    PeerLink(String self, String peer, Address address, GrpcTransportOptions options, ChannelCredentials credentials,
            EventLoopGroup eventLoops, Class<? extends Channel> channelType, ScheduledExecutorService workers,
            Outbox<F> outbox, StreamOpener<F> opener, Consumer<Rejection> rejections) {
        this.self = self;
        this.peer = peer;
        this.address = address;
        this.workers = workers;
        this.outbox = outbox;
        this.opener = opener;
        this.rejections = rejections;
        this.backoff = new Backoff(options.reconnectInitialBackoff(), options.reconnectMaxBackoff(),
                new SplittableRandom());
        this.channel = NettyChannelBuilder.forAddress(address.host(), address.port(), credentials)
                .eventLoopGroup(eventLoops)
                .channelType(channelType)
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

    /** Drains what the outbox holds, now or as soon as the stream can take it; never blocks. */
    void wake() {
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
            outbox.close();
        }
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
                outbox.close();
                return;
            }
            if (stream == null) {
                if (!reconnectPending && !outbox.isEmpty()) {
                    openStream();
                }
                return; // the stream's on-ready callback drains once it can carry messages
            }
            ClientCallStreamObserver<F> requests = stream.requests;
            F frame;
            while (requests.isReady() && (frame = outbox.next()) != null) {
                requests.onNext(frame);
            }
        }
    }

    /** Opens a new stream; called with {@link #streamLock} held. */
    private void openStream() {
        if (failedBefore) {
            channel.resetConnectBackoff(); // our own backoff has already waited
        }
        Stream opened = new Stream();
        opener.open(stub, opened);
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
    private final class Stream implements ClientResponseObserver<F, Rejection> {
        private ClientCallStreamObserver<F> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<F> requestStream) {
            this.requests = requestStream;
            requestStream.setOnReadyHandler(() -> streamReady(this));
        }

        @Override
        public void onNext(Rejection rejection) {
            rejections.accept(rejection);
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
