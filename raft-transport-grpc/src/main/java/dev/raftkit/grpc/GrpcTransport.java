package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.grpc.proto.RaftTransportGrpc.RaftTransportStub;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC {@link Transport}: a server at the node's address receives, one {@link PeerLink} per
 * peer sends. Every message travels in an envelope with the cluster id and sender id, on one
 * long-lived stream per peer, so appends pipeline.
 *
 * <p>Options ({@code grpc.*}, see {@link GrpcTransportOptions}) bound message size, per-peer queues,
 * reconnect backoff and thread counts, and turn on mutual TLS. All threads are daemon threads named
 * {@code raftkit-grpc-<node>-io-<n>} (Netty event loops) and {@code raftkit-grpc-<node>-worker-<n>}
 * (gRPC callbacks, the handler, send loops, reconnect timers); {@link #close()} ends all of them
 * before it returns.
 *
 * <p>{@link #stats()} reports what was sent, delivered, dropped and rejected, by reason.
 */
public final class GrpcTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcTransport.class);

    private final NodeId self;
    private final Address selfAddress;
    private final String clusterId;
    private final GrpcTransportOptions options;
    private final Counters counters = new Counters();
    private volatile Map<NodeId, Address> peers;
    private volatile Map<NodeId, Link> links = Map.of();
    private volatile boolean running;
    private boolean closed;

    private final Endpoint endpoint;

    /**
     * Creates the transport of {@code config.self()}; nothing runs until {@link #start}.
     *
     * @param config the node's configuration; its {@code grpc.*} options are read here
     * @throws IllegalArgumentException naming the option if a {@code grpc.*} option is invalid
     */
    public GrpcTransport(Config config) {
        this.self = config.self();
        this.selfAddress = config.selfAddress();
        this.clusterId = config.clusterId();
        this.options = GrpcTransportOptions.from(config);
        this.endpoint = new Endpoint(self.value(), options, counters);
        Map<NodeId, Address> initial = new HashMap<>(config.members());
        initial.remove(self);
        this.peers = Map.copyOf(initial);
    }

    /**
     * Binds the server and starts the threads.
     *
     * @throws IOException if the address cannot be bound or the TLS files cannot be read
     * @throws IllegalStateException if already started or closed
     */
    @Override
    public synchronized void start(MessageHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        if (closed || running) {
            throw new IllegalStateException("grpc transport of " + self + " was already " + (closed ? "closed" : "started"));
        }
        if (endpoint.verifyNodeId()) {
            PeerIdentity.requireOwnId(options.tls().get().certChain(), self);
        }
        endpoint.start();
        Recipient recipient = new Recipient(self.value(), self, id -> peers.containsKey(id), () -> running, handler,
                counters, endpoint.rejections());
        running = true;
        try {
            endpoint.listen(InboundService.forNode(self, clusterId, recipient, counters, endpoint.rejections(),
                    endpoint.connections(), options.idleTimeout()));
        } catch (IOException e) {
            close();
            throw e;
        }
        updatePeers(peers);
    }

    /** Replaces the peers: links to removed or moved peers close, links to new peers open lazily. */
    @Override
    public synchronized void updatePeers(Map<NodeId, Address> newPeers) {
        Map<NodeId, Address> copy = new HashMap<>(Objects.requireNonNull(newPeers, "peers"));
        copy.remove(self);
        peers = Map.copyOf(copy);
        if (!running) {
            return;
        }
        Map<NodeId, Link> next = new HashMap<>();
        links.forEach((id, link) -> {
            if (link.peer().address().equals(copy.get(id))) {
                next.put(id, link);
            } else {
                link.peer().close();
            }
        });
        copy.forEach((id, address) -> next.computeIfAbsent(id, x -> openLink(id, address)));
        links = Map.copyOf(next);
    }

    private Link openLink(NodeId id, Address address) {
        NodeOutbox outbox = new NodeOutbox(self, selfAddress.toString(), id, clusterId, options, counters);
        PeerLink<Envelope> peer = endpoint.link(id.value(), address, outbox, RaftTransportStub::stream, rejection -> LOG.warn(
                        "{}: peer {} at {} rejects our messages ({}); its log says why", self, id, address,
                        rejection.getReason()));
        return new Link(outbox, peer);
    }

    /** The queue to one peer and the link that drains it. */
    private record Link(NodeOutbox outbox, PeerLink<Envelope> peer) {
    }

    /** {@return how the event loops do their I/O, for tests} */
    NettyIo io() {
        return endpoint.io();
    }

    /**
     * The event loop, when {@code grpc.ioThreads} is 1 (a node's default): it then carries every
     * peer connection, so a message sent from it is written without waking another thread.
     */
    @Override
    public Optional<Executor> sendingThread() {
        return options.ioThreads() == 1 ? Optional.of(endpoint::runOnEventLoop) : Optional.empty();
    }

    /**
     * Queues {@code message} on its peer's link; drops and counts it if the transport is not running,
     * the receiver is not a peer or the peer's queue is full. Never blocks.
     *
     * @throws IllegalArgumentException if {@code message.from()} is not this node (a caller bug)
     */
    @Override
    public void send(RaftMessage message) {
        if (!message.from().equals(self)) {
            throw new IllegalArgumentException("message from " + message.from() + " sent through the transport of " + self);
        }
        if (!running) {
            counters.dropped(DropReason.NOT_RUNNING, 1);
            return;
        }
        Link link = links.get(message.to());
        if (link == null) {
            counters.dropped(DropReason.UNKNOWN_PEER, 1);
            return;
        }
        if (link.outbox().offer(message)) {
            link.peer().wake();
        }
    }

    /** {@return {@code grpc.maxMessageBytes}: the largest encoded envelope sent or accepted} */
    @Override
    public long maxMessageBytes() {
        return options.maxMessageBytes();
    }

    /** Stops delivering, closes every connection and ends every thread, waiting for them. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        endpoint.close(links.values().stream().map(Link::peer).toList());
        links = Map.of();
    }

    /** {@return a snapshot of the counters: sent, delivered, dropped and rejected by reason} */
    public GrpcTransportStats stats() {
        return counters.snapshot();
    }

    /** {@return the options this transport was created with} */
    public GrpcTransportOptions options() {
        return options;
    }
}
