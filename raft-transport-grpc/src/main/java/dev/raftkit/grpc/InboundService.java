package dev.raftkit.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import dev.raftkit.grpc.proto.Batch;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.grpc.proto.RaftTransportGrpc;
import dev.raftkit.grpc.proto.Rejection;
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
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The receiving side: checks every inbound message and hands the good ones to the
 * {@link Recipient} they are for: the single node's ({@code Stream}, one {@link Envelope} per frame),
 * or on a host the recipient of the message's group ({@code HostStream}, one {@link Batch} of
 * envelopes per frame, each with its group id). The recipient checks the receiver and sender ids.
 *
 * <p>The service reads raw bytes and parses them itself, so malformed input is counted and logged
 * here instead of failing inside gRPC: bytes that are not an {@link Envelope} end the stream with
 * {@code INVALID_ARGUMENT}; an envelope of another cluster, to another node, from a sender that is
 * not a peer and gives no address, or with a value no valid message carries (see {@link WireCodec};
 * also a {@code from_address} that is not {@code host:port}) is rejected and counted, and the stream
 * goes on. A message from a sender that is not a peer but gives its address is counted as
 * {@code UNKNOWN_SENDER} too, yet handed to {@code MessageHandler.onMessageFromUnknownSender}:
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
 * {@link RejectionLog}. On a host, a message of a group the host does not run is counted
 * ({@code UNKNOWN_GROUP}, and per group) and the sender is told the group's id, which it sent itself:
 * the notice reveals nothing else. Thread-safe: gRPC calls each stream's observer serially, streams
 * concurrently; the idle check synchronizes with them.
 */
final class InboundService {

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

    /**
     * Opens a received frame for parsing with its {@code bytes} fields (entry blocks, snapshot
     * chunks) read in place rather than each copied out: the array is that frame's alone, and
     * decoding copies out what it keeps.
     */
    static CodedInputStream inPlace(byte[] frame) {
        CodedInputStream in = CodedInputStream.newInstance(frame);
        in.enableAliasing(true);
        return in;
    }

    /** What the logs call the receiver: a node id, or a host's address. */
    private final String self;
    private final String clusterId;
    /** The single node's recipient, or null on a host. */
    private final Recipient node;
    /** A host's recipients by group (null for a group it does not run), or null on a single node. */
    private final Function<GroupId, Recipient> groups;
    private final Counters counters;
    private final RejectionLog rejections;
    private final ConnectionLimiter connections;
    private final long idleTimeoutNanos;
    private final Set<InboundStream> streams = ConcurrentHashMap.newKeySet();

    private InboundService(String self, String clusterId, Recipient node, Function<GroupId, Recipient> groups,
            Counters counters, RejectionLog rejections, ConnectionLimiter connections, Duration idleTimeout) {
        this.self = self;
        this.clusterId = clusterId;
        this.node = node;
        this.groups = groups;
        this.counters = counters;
        this.rejections = rejections;
        this.connections = connections;
        this.idleTimeoutNanos = idleTimeout.toNanos();
    }

    /**
     * Creates the service of a single node, serving {@code Stream}.
     *
     * @param node the node's checks and handler
     * @param connections told of every stream opened, so it knows which connections carried one
     * @param idleTimeout how long a stream may complete no message before it is ended
     */
    static InboundService forNode(NodeId self, String clusterId, Recipient node, Counters counters,
            RejectionLog rejections, ConnectionLimiter connections, Duration idleTimeout) {
        return new InboundService(self.value(), clusterId, node, null, counters, rejections, connections,
                idleTimeout);
    }

    /**
     * Creates the service of a host, serving {@code HostStream}.
     *
     * @param host what the logs call the host
     * @param groups the recipient of each group the host runs, null for any other
     * @param connections told of every stream opened, so it knows which connections carried one
     * @param idleTimeout how long a stream may complete no message before it is ended
     */
    static InboundService forHost(String host, String clusterId, Function<GroupId, Recipient> groups,
            Counters counters, RejectionLog rejections, ConnectionLimiter connections, Duration idleTimeout) {
        return new InboundService(host, clusterId, null, groups, counters, rejections, connections, idleTimeout);
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
        MethodDescriptor<?, Rejection> typed = node != null ? RaftTransportGrpc.getStreamMethod()
                : RaftTransportGrpc.getHostStreamMethod();
        MethodDescriptor<byte[], Rejection> method = typed
                .toBuilder(RAW, ProtoUtils.marshaller(Rejection.getDefaultInstance()))
                .build();
        return ServerServiceDefinition.builder(RaftTransportGrpc.SERVICE_NAME)
                .addMethod(method, ServerCalls.asyncBidiStreamingCall(
                        node != null ? NodeStream::new : HostStream::new))
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
    /** The reason of a notice that names a group the receiving host does not run. */
    static final String UNKNOWN_GROUP_REASON = "unknown group";
    /** At most this many groups are named back to the sender per stream. */
    static final int MAX_GROUP_NOTICES = 64;
    /** A group is named back to the sender at most once per this interval and stream: 10 s. */
    private static final long GROUP_NOTICE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** One inbound stream from one remote sender: the checks common to both kinds of stream. */
    private abstract class InboundStream implements StreamObserver<byte[]> {
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

        /** Handles one frame; called serially, with this stream's lock held. */
        abstract void receive(byte[] bytes);

        @Override
        public synchronized void onNext(byte[] bytes) {
            if (ended) {
                return;
            }
            lastMessageNanos = System.nanoTime();
            receive(bytes);
        }

        /** Ends the stream for bytes that are not a frame of its kind. */
        void malformed(String what, InvalidProtocolBufferException e) {
            reject(RejectReason.MALFORMED, "not a " + what + ": " + e.getMessage());
            end(Status.INVALID_ARGUMENT.withDescription("malformed " + what));
        }

        /** Refuses a frame of another cluster; returns whether it was one. */
        boolean otherCluster(String frameClusterId) {
            if (frameClusterId.equals(clusterId)) {
                return false;
            }
            reject(RejectReason.WRONG_CLUSTER, "cluster id \"" + frameClusterId + "\", expected \"" + clusterId + "\"");
            return true;
        }

        /**
         * Decodes {@code envelope} and checks its sender against the client certificate.
         *
         * @return the message, or null if it was refused
         */
        RaftMessage decode(Envelope envelope) {
            RaftMessage message;
            try {
                message = WireCodec.decode(envelope);
            } catch (InvalidMessageException e) {
                reject(RejectReason.INVALID_FIELD, e.getMessage());
                return null;
            }
            if (certifiedIds != null && !certifiedIds.contains(message.from())) {
                reject(RejectReason.WRONG_IDENTITY, "sender " + message.from() + " but the client certificate speaks for "
                        + (certifiedIds.isEmpty() ? "no node" : certifiedIds));
                return null;
            }
            return message;
        }

        /** Hands {@code message} to {@code recipient}, reporting a refusal. */
        void deliver(Recipient recipient, RaftMessage message, String fromAddress) {
            Recipient.Refusal refusal = recipient.deliver(message, fromAddress);
            if (refusal != null) {
                reject(refusal.reason(), refusal.detail());
            }
        }

        /** Tells the sender something, unless the stream has ended. */
        void tell(Rejection notice) {
            responses.onNext(notice);
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
        void reject(RejectReason reason, String detail) {
            rejections.rejected(reason, detail);
            if (!toldRejected && reason != RejectReason.MALFORMED) {
                toldRejected = true;
                tell(REJECTED);
            }
        }
    }

    /** A single node's stream: one {@link Envelope} per frame, for the node's recipient. */
    private final class NodeStream extends InboundStream {

        NodeStream(StreamObserver<Rejection> responses) {
            super(responses);
        }

        @Override
        void receive(byte[] bytes) {
            Envelope envelope;
            try {
                envelope = Envelope.parser().parseFrom(inPlace(bytes));
            } catch (InvalidProtocolBufferException e) {
                malformed("message envelope", e);
                return;
            }
            if (otherCluster(envelope.getClusterId())) {
                return;
            }
            RaftMessage message = decode(envelope);
            if (message != null) {
                deliver(node, message, envelope.getFromAddress());
            }
        }
    }

    /**
     * A host's stream: a {@link Batch} per frame, its cluster id checked once, each message routed
     * to its group's recipient. A message of a group this host does not run is counted with the
     * group's id and the sender is told so, at most once per group every
     * {@link #GROUP_NOTICE_INTERVAL_NANOS} per stream, for at most {@value #MAX_GROUP_NOTICES} groups
     * per stream.
     */
    private final class HostStream extends InboundStream {
        /** When each group was last named back to the sender. */
        private final Map<GroupId, Long> toldUnknown = new HashMap<>();

        HostStream(StreamObserver<Rejection> responses) {
            super(responses);
        }

        @Override
        void receive(byte[] bytes) {
            Batch batch;
            try {
                batch = Batch.parser().parseFrom(inPlace(bytes));
            } catch (InvalidProtocolBufferException e) {
                malformed("message batch", e);
                return;
            }
            if (otherCluster(batch.getClusterId())) {
                return;
            }
            for (Envelope envelope : batch.getMessagesList()) {
                GroupId group;
                try {
                    group = GroupId.of(envelope.getGroupId());
                } catch (IllegalArgumentException e) {
                    reject(RejectReason.INVALID_FIELD, "group_id: " + e.getMessage());
                    continue;
                }
                RaftMessage message = decode(envelope);
                if (message == null) {
                    continue;
                }
                Recipient recipient = groups.apply(group);
                if (recipient == null) {
                    unknownGroup(group, batch.getFromAddress());
                } else {
                    deliver(recipient, message, batch.getFromAddress());
                }
            }
        }

        private void unknownGroup(GroupId group, String fromAddress) {
            counters.unknownGroup(group);
            rejections.rejected(RejectReason.UNKNOWN_GROUP, "a message of group " + group + " from the host at "
                    + fromAddress + ": " + self + " does not run that group (counted per group in unknownGroups())");
            long now = System.nanoTime();
            Long told = toldUnknown.get(group);
            boolean due = told == null ? toldUnknown.size() < MAX_GROUP_NOTICES
                    : now - told >= GROUP_NOTICE_INTERVAL_NANOS;
            if (due) {
                toldUnknown.put(group, now);
                tell(Rejection.newBuilder().setReason(UNKNOWN_GROUP_REASON).setUnknownGroup(group.value()).build());
            }
        }
    }
}
