package dev.raftkit.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.grpc.proto.RaftTransportGrpc;
import dev.raftkit.grpc.proto.Rejection;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import io.grpc.Grpc;
import io.grpc.MethodDescriptor;
import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side: checks every inbound message and hands the good ones to the node's
 * {@link MessageHandler}.
 *
 * <p>The service reads raw bytes and parses them itself, so malformed input is counted and logged
 * here instead of failing inside gRPC: bytes that are not an {@link Envelope} end the stream with
 * {@code INVALID_ARGUMENT}; an envelope of another cluster, to another node, from a sender that is
 * not a peer and gives no address, or with a value no valid message carries (see {@link WireCodec};
 * also a {@code from_address} that is not {@code host:port}) is rejected and counted, and the stream
 * goes on. A message from a sender that is not a peer but gives its address is counted as
 * {@code UNKNOWN_SENDER} too, yet handed to {@link MessageHandler#onMessageFromUnknownSender}:
 * during a membership change it may come from a leader this node has not heard of yet. Frames
 * larger than {@code grpc.maxMessageBytes} never reach the service: gRPC ends their stream with
 * {@code RESOURCE_EXHAUSTED}, which {@link #streamTracer()} counts.
 *
 * <p>With {@code grpc.tls.verifyNodeId}, an envelope whose sender is not a node id the client
 * certificate speaks for ({@link PeerIdentity}) is rejected as {@code WRONG_IDENTITY}. A stream that
 * completes no message for {@code grpc.idleTimeoutMillis} is ended ({@code IDLE_STREAM}), so a
 * sender cannot hold a connection's only stream, and the partial message on it, forever.
 *
 * <p>The first rejection on a stream is reported back to the sender as a {@link Rejection} that
 * says only "rejected", so a misconfigured peer logs that it is refused, while the reason and
 * details (the expected cluster id above all) stay in this node's log and counters: a stranger
 * learns nothing about this cluster. Not so for an unknown sender that gives its address, which is
 * legitimate during membership changes. Rejections are counted and logged through
 * {@link RejectionLog}. Thread-safe: gRPC calls each stream's observer serially, streams
 * concurrently; the idle check synchronizes with them.
 */
final class InboundService {

    private static final Logger LOG = LoggerFactory.getLogger(InboundService.class);

    /** Hands the request bytes over unparsed; gRPC has already bounded their size. */
    static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                // gRPC's message streams know their length: read into one exact array, with no
                // growing buffers; a stream that does not still gets read to its end.
                int known = stream.available();
                byte[] bytes = new byte[known];
                int read = stream.readNBytes(bytes, 0, known);
                int next = stream.read();
                if (read == known && next == -1) {
                    return bytes;
                }
                ByteArrayOutputStream all = new ByteArrayOutputStream(known + 1024);
                all.write(bytes, 0, read);
                if (next != -1) {
                    all.write(next);
                    stream.transferTo(all);
                }
                return all.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final NodeId self;
    private final String clusterId;
    private final Predicate<NodeId> isPeer;
    private final BooleanSupplier running;
    private final MessageHandler handler;
    private final Counters counters;
    private final RejectionLog rejections;
    private final ConnectionLimiter connections;
    private final long idleTimeoutNanos;
    private final Set<InboundStream> streams = ConcurrentHashMap.newKeySet();

    /**
     * Creates the service of node {@code self}.
     *
     * @param isPeer whether a sender is a current peer (read per message: peers change)
     * @param running whether the transport still delivers (false once closing)
     * @param connections told of every stream opened, so it knows which connections carried one
     * @param idleTimeout how long a stream may complete no message before it is ended
     */
    InboundService(NodeId self, String clusterId, Predicate<NodeId> isPeer, BooleanSupplier running,
            MessageHandler handler, Counters counters, RejectionLog rejections, ConnectionLimiter connections,
            Duration idleTimeout) {
        this.self = self;
        this.clusterId = clusterId;
        this.isPeer = isPeer;
        this.running = running;
        this.handler = handler;
        this.counters = counters;
        this.rejections = rejections;
        this.connections = connections;
        this.idleTimeoutNanos = idleTimeout.toNanos();
    }

    /** Checks for idle streams on {@code timer} twice per idle timeout, until the timer shuts down. */
    void startIdleCheck(ScheduledExecutorService timer) {
        long period = Math.max(1, idleTimeoutNanos / 2);
        timer.scheduleWithFixedDelay(this::endIdleStreams, period, period, TimeUnit.NANOSECONDS);
    }

    private void endIdleStreams() {
        long now = System.nanoTime();
        for (InboundStream stream : streams) {
            stream.endIfIdle(now);
        }
    }

    /** Returns the service definition to add to the server. */
    ServerServiceDefinition definition() {
        MethodDescriptor<byte[], Rejection> method = RaftTransportGrpc.getStreamMethod()
                .toBuilder(RAW, ProtoUtils.marshaller(Rejection.getDefaultInstance()))
                .build();
        return ServerServiceDefinition.builder(RaftTransportGrpc.SERVICE_NAME)
                .addMethod(method, ServerCalls.asyncBidiStreamingCall(InboundStream::new))
                .build();
    }

    /**
     * Returns a tracer factory that tells the connection limiter of every stream and counts streams
     * gRPC ended for an oversized frame.
     */
    ServerStreamTracer.Factory streamTracer() {
        return new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new ServerStreamTracer() {
                    @Override
                    public void serverCallStarted(ServerCallInfo<?, ?> callInfo) {
                        connections.streamOpened(callInfo.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                    }

                    @Override
                    public void streamClosed(Status status) {
                        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                            rejections.rejected(RejectReason.TOO_LARGE, String.valueOf(status.getDescription()));
                        }
                    }
                };
            }
        };
    }

    /** All a sender is told of a rejection. */
    private static final Rejection REJECTED = Rejection.newBuilder().setReason("rejected").build();

    /** One inbound stream from one remote sender. */
    private final class InboundStream implements StreamObserver<byte[]> {
        private final StreamObserver<Rejection> responses;
        /** The node ids the client certificate speaks for, or null if identities are not checked. */
        private final Set<NodeId> certifiedIds = PeerIdentity.certifiedIds();
        private boolean ended;
        private boolean toldRejected;
        private long lastMessageNanos = System.nanoTime();

        InboundStream(StreamObserver<Rejection> responses) {
            this.responses = responses;
            streams.add(this);
        }

        @Override
        public synchronized void onNext(byte[] bytes) {
            if (ended) {
                return;
            }
            lastMessageNanos = System.nanoTime();
            Envelope envelope;
            try {
                envelope = Envelope.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                reject(RejectReason.MALFORMED, "not a message envelope: " + e.getMessage());
                end(Status.INVALID_ARGUMENT.withDescription("malformed envelope"));
                return;
            }
            if (!envelope.getClusterId().equals(clusterId)) {
                reject(RejectReason.WRONG_CLUSTER, "cluster id \"" + envelope.getClusterId() + "\", expected \""
                        + clusterId + "\"");
                return;
            }
            RaftMessage message;
            try {
                message = WireCodec.decode(envelope);
            } catch (InvalidMessageException e) {
                reject(RejectReason.INVALID_FIELD, e.getMessage());
                return;
            }
            if (certifiedIds != null && !certifiedIds.contains(message.from())) {
                reject(RejectReason.WRONG_IDENTITY, "sender " + message.from() + " but the client certificate speaks for "
                        + (certifiedIds.isEmpty() ? "no node" : certifiedIds));
                return;
            }
            boolean fromPeer = isPeer.test(message.from());
            Address senderAddress = null;
            if (!fromPeer) {
                if (envelope.getFromAddress().isEmpty()) {
                    reject(RejectReason.UNKNOWN_SENDER, "sender " + message.from() + " is not a peer of " + self
                            + " and gave no address");
                    return;
                }
                try {
                    senderAddress = Address.parse(envelope.getFromAddress());
                } catch (IllegalArgumentException e) {
                    reject(RejectReason.INVALID_FIELD, "from_address: " + e.getMessage());
                    return;
                }
            }
            if (!message.to().equals(self)) {
                reject(RejectReason.WRONG_RECIPIENT, "addressed to " + message.to() + ", this is " + self);
                return;
            }
            if (!running.getAsBoolean()) {
                return;
            }
            try {
                if (fromPeer) {
                    counters.delivered();
                    handler.onMessage(message);
                } else {
                    rejections.rejected(RejectReason.UNKNOWN_SENDER, "sender " + message.from() + " at " + senderAddress
                            + " is not a peer of " + self + "; handed to the engine, which hears it only as a leader");
                    handler.onMessageFromUnknownSender(message, senderAddress);
                }
            } catch (RuntimeException e) { // a broken handler must not end the peer's stream
                LOG.error("{}: message handler threw on {}", self, message, e);
            }
        }

        @Override
        public synchronized void onError(Throwable error) {
            ended = true; // the sender went away or gRPC ended the stream; nothing to answer
            streams.remove(this);
        }

        @Override
        public synchronized void onCompleted() {
            if (!ended) {
                ended = true;
                streams.remove(this);
                responses.onCompleted();
            }
        }

        /** Ends this stream if it completed no message for the idle timeout; called by the idle check. */
        synchronized void endIfIdle(long now) {
            if (!ended && now - lastMessageNanos >= idleTimeoutNanos) {
                rejections.rejected(RejectReason.IDLE_STREAM, "ended an inbound stream that completed no message for "
                        + TimeUnit.NANOSECONDS.toMillis(idleTimeoutNanos) + " ms ("
                        + GrpcTransportOptions.IDLE_TIMEOUT_MILLIS + ")");
                end(Status.UNAVAILABLE.withDescription("idle"));
            }
        }

        private void end(Status status) {
            ended = true;
            streams.remove(this);
            responses.onError(status.asRuntimeException());
        }

        /** Counts and logs the rejection; tells the sender "rejected" once per stream, nothing more. */
        private void reject(RejectReason reason, String detail) {
            rejections.rejected(reason, detail);
            if (!toldRejected && reason != RejectReason.MALFORMED) {
                toldRejected = true;
                responses.onNext(REJECTED);
            }
        }
    }
}
