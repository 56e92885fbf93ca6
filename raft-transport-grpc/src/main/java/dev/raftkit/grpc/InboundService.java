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
import java.lang.System.Logger.Level;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

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
 * {@code RESOURCE_EXHAUSTED}, which {@link #oversizeCounter()} counts.
 *
 * <p>Per stream, the first rejection of each reason is reported back to the sender as a
 * {@link Rejection}, so a misconfigured peer logs why it is refused; not so for an unknown sender
 * that gives its address, which is legitimate during membership changes. Rejections are logged at
 * WARNING at most once per reason every 10 seconds and otherwise at DEBUG, so hostile input cannot
 * flood the log; the counters count every one. Thread-safe: gRPC calls each stream's observer
 * serially, streams concurrently.
 */
final class InboundService {

    private static final System.Logger LOG = System.getLogger(InboundService.class.getName());
    private static final long WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

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
    private final Map<RejectReason, AtomicLong> lastWarning = new EnumMap<>(RejectReason.class);

    /**
     * Creates the service of node {@code self}.
     *
     * @param isPeer whether a sender is a current peer (read per message: peers change)
     * @param running whether the transport still delivers (false once closing)
     */
    InboundService(NodeId self, String clusterId, Predicate<NodeId> isPeer, BooleanSupplier running,
            MessageHandler handler, Counters counters) {
        this.self = self;
        this.clusterId = clusterId;
        this.isPeer = isPeer;
        this.running = running;
        this.handler = handler;
        this.counters = counters;
        long longAgo = System.nanoTime() - WARNING_INTERVAL_NANOS;
        for (RejectReason reason : RejectReason.values()) {
            lastWarning.put(reason, new AtomicLong(longAgo));
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

    /** Returns a tracer factory that counts streams gRPC ended for an oversized frame. */
    ServerStreamTracer.Factory oversizeCounter() {
        return new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new ServerStreamTracer() {
                    @Override
                    public void streamClosed(Status status) {
                        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                            counters.rejected(RejectReason.TOO_LARGE);
                            logRejection(RejectReason.TOO_LARGE, String.valueOf(status.getDescription()));
                        }
                    }
                };
            }
        };
    }

    /** One inbound stream from one remote sender. */
    private final class InboundStream implements StreamObserver<byte[]> {
        private final StreamObserver<Rejection> responses;
        private final Set<RejectReason> reported = EnumSet.noneOf(RejectReason.class);
        private boolean ended;

        InboundStream(StreamObserver<Rejection> responses) {
            this.responses = responses;
        }

        @Override
        public void onNext(byte[] bytes) {
            if (ended) {
                return;
            }
            Envelope envelope;
            try {
                envelope = Envelope.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                reject(RejectReason.MALFORMED, "not a message envelope: " + e.getMessage());
                ended = true;
                responses.onError(Status.INVALID_ARGUMENT.withDescription("malformed envelope").asRuntimeException());
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
                    counters.rejected(RejectReason.UNKNOWN_SENDER);
                    logRejection(RejectReason.UNKNOWN_SENDER, "sender " + message.from() + " at " + senderAddress
                            + " is not a peer of " + self + "; handed to the engine, which hears it only as a leader");
                    handler.onMessageFromUnknownSender(message, senderAddress);
                }
            } catch (RuntimeException e) { // a broken handler must not end the peer's stream
                LOG.log(Level.ERROR, self + ": message handler threw on " + message, e);
            }
        }

        @Override
        public void onError(Throwable error) {
            ended = true; // the sender went away or gRPC ended the stream; nothing to answer
        }

        @Override
        public void onCompleted() {
            if (!ended) {
                ended = true;
                responses.onCompleted();
            }
        }

        private void reject(RejectReason reason, String detail) {
            counters.rejected(reason);
            logRejection(reason, detail);
            if (reported.add(reason) && reason != RejectReason.MALFORMED) {
                responses.onNext(Rejection.newBuilder().setReason(reason.name()).setDetail(detail).build());
            }
        }
    }

    /** Logs at WARNING at most once per reason per {@link #WARNING_INTERVAL_NANOS}, else at DEBUG. */
    private void logRejection(RejectReason reason, String detail) {
        AtomicLong last = lastWarning.get(reason);
        long now = System.nanoTime();
        long previous = last.get();
        if (now - previous >= WARNING_INTERVAL_NANOS && last.compareAndSet(previous, now)) {
            LOG.log(Level.WARNING, "{0}: rejected an inbound message ({1}): {2} (counted in stats(); similar "
                    + "rejections in the next 10 s are logged at DEBUG)", self, reason, detail);
        } else {
            LOG.log(Level.DEBUG, () -> self + ": rejected an inbound message (" + reason + "): " + detail);
        }
    }
}
