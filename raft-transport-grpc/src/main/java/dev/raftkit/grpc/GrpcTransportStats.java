package dev.raftkit.grpc;

import java.util.Map;

/**
 * A snapshot of a {@link GrpcTransport}'s counters, for tests and metrics.
 *
 * @param sent messages written to a peer's stream
 * @param delivered inbound messages handed to the message handler
 * @param dropped outbound messages not sent, by reason
 * @param rejected inbound messages (or frames) refused, by reason
 */
public record GrpcTransportStats(long sent, long delivered, Map<DropReason, Long> dropped,
        Map<RejectReason, Long> rejected) {

    /** Why an outbound message was not sent. */
    public enum DropReason {
        /** The transport was not started yet, or already closed. */
        NOT_RUNNING,
        /** The receiver is not a current peer. */
        UNKNOWN_PEER,
        /** The peer's queue was full (in messages or bytes): the peer is slow or unreachable. */
        QUEUE_FULL,
        /** The encoded message exceeded {@code grpc.maxMessageBytes}. */
        TOO_LARGE,
        /** The message was queued for a peer that was removed, or for a stream that failed before sending it. */
        LINK_CLOSED
    }

    /** Why an inbound message or frame was refused. */
    public enum RejectReason {
        /** The bytes were not a valid protobuf envelope. */
        MALFORMED,
        /** The frame exceeded {@code grpc.maxMessageBytes}; gRPC ended the stream. */
        TOO_LARGE,
        /** The envelope was well-formed but carried a value no valid message can carry. */
        INVALID_FIELD,
        /** The envelope carried another cluster id. */
        WRONG_CLUSTER,
        /**
         * The sender is not a current peer. If it gave its address, the message went to
         * {@code MessageHandler.onMessageFromUnknownSender} instead of {@code onMessage}.
         */
        UNKNOWN_SENDER,
        /** The message was addressed to another node. */
        WRONG_RECIPIENT,
        /**
         * The sender's TLS certificate does not name the node id the message claims to come from
         * ({@code grpc.tls.verifyNodeId}).
         */
        WRONG_IDENTITY,
        /**
         * A connection was closed as soon as it was accepted: {@code grpc.maxConnections} or
         * {@code grpc.maxConnectionsPerAddress} connections were already open.
         */
        TOO_MANY_CONNECTIONS,
        /**
         * A connection ended without ever carrying a stream: it did not complete the TLS or HTTP/2
         * handshake (garbage, a port scan, an untrusted certificate) or stayed idle.
         */
        NO_GRPC,
        /** An inbound stream completed no message within {@code grpc.idleTimeoutMillis} and was ended. */
        IDLE_STREAM,
        /**
         * A host received a message of a group it does not run (or whose view is not started); the
         * sender was told, naming the group. Counted per group by {@link GrpcHostTransport#unknownGroups()}.
         */
        UNKNOWN_GROUP
    }

    /**
     * {@return the drop count for {@code reason}}
     *
     * @param reason the reason
     */
    public long dropped(DropReason reason) {
        return dropped.getOrDefault(reason, 0L);
    }

    /**
     * {@return the rejection count for {@code reason}}
     *
     * @param reason the reason
     */
    public long rejected(RejectReason reason) {
        return rejected.getOrDefault(reason, 0L);
    }

    /** {@return the total of every rejection} */
    public long rejectedTotal() {
        return rejected.values().stream().mapToLong(Long::longValue).sum();
    }
}
