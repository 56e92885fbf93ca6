package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
    private static final long TERMINATION_MILLIS = 5_000;
    /**
     * A peer's {@link PeerLink} keeps one stream open on its connection at a time (a new one only
     * after the old one ended); a sender that opens more is refused ({@code REFUSED_STREAM}).
     */
    private static final int PEER_STREAMS_PER_CONNECTION = 1;

    private final NodeId self;
    private final Address selfAddress;
    private final String clusterId;
    private final GrpcTransportOptions options;
    private final Counters counters = new Counters();
    private volatile Map<NodeId, Address> peers;
    private volatile Map<NodeId, PeerLink> links = Map.of();
    private volatile boolean running;
    private boolean closed;

    private EventLoopGroup eventLoops;
    private ScheduledThreadPoolExecutor workers;
    private Server server;
    private ChannelCredentials channelCredentials;

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
        if (closed || server != null) {
            throw new IllegalStateException("grpc transport of " + self + " was already " + (closed ? "closed" : "started"));
        }
        ServerCredentials serverCredentials = serverCredentials();
        channelCredentials = channelCredentials();
        boolean verifyNodeId = options.tls().map(GrpcTransportOptions.Tls::verifyNodeId).orElse(false);
        if (verifyNodeId) {
            PeerIdentity.requireOwnId(options.tls().get().certChain(), self);
        }
        GrpcConnectionLog.quiet();
        eventLoops = new MultiThreadIoEventLoopGroup(options.ioThreads(), new NamedThreadFactory(self.value(), "io"),
                NioIoHandler.newFactory());
        workers = new ScheduledThreadPoolExecutor(options.workerThreads(), new NamedThreadFactory(self.value(), "worker"));
        workers.setRemoveOnCancelPolicy(true);
        workers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // pending reconnects die with close()
        RejectionLog rejections = new RejectionLog(self, counters);
        ConnectionLimiter connections = new ConnectionLimiter(options.maxConnections(),
                options.maxConnectionsPerAddress(), rejections);
        InboundService inbound = new InboundService(self, clusterId, id -> peers.containsKey(id), () -> running,
                handler, counters, rejections, connections, options.idleTimeout());
        inbound.startIdleCheck(workers);
        Address bind = options.bindAddress();
        server = NettyServerBuilder.forAddress(new InetSocketAddress(bind.host(), bind.port()), serverCredentials)
                .bossEventLoopGroup(eventLoops)
                .workerEventLoopGroup(eventLoops)
                .channelFactory(connections)
                .withOption(ChannelOption.SO_REUSEADDR, true)
                .directExecutor() // the handler only queues: no hop to another thread
                .maxInboundMessageSize(options.maxMessageBytes())
                .maxConcurrentCallsPerConnection(PEER_STREAMS_PER_CONNECTION)
                .flowControlWindow(options.flowControlWindowBytes())
                .handshakeTimeout(options.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionIdle(options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .addStreamTracerFactory(inbound.streamTracer())
                .addService(verifyNodeId ? ServerInterceptors.intercept(inbound.definition(), new PeerIdentity())
                        : inbound.definition())
                .build();
        running = true;
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            close();
            throw new IOException("grpc transport of " + self + " cannot listen on " + bind + ": " + e.getMessage(), e);
        }
        updatePeers(peers);
        LOG.info("{}: grpc transport listening on {} ({})", self, bind,
                options.tls().isPresent() ? "mutual TLS" : "plaintext");
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
        Map<NodeId, PeerLink> next = new HashMap<>();
        links.forEach((id, link) -> {
            if (link.address().equals(copy.get(id))) {
                next.put(id, link);
            } else {
                link.close();
            }
        });
        copy.forEach((id, address) -> next.computeIfAbsent(id, x -> new PeerLink(self, selfAddress, id, address,
                clusterId, options, channelCredentials, eventLoops, workers, counters)));
        links = Map.copyOf(next);
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
        PeerLink link = links.get(message.to());
        if (link == null) {
            counters.dropped(DropReason.UNKNOWN_PEER, 1);
            return;
        }
        link.enqueue(message);
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
        links.values().forEach(PeerLink::close);
        if (server != null) {
            server.shutdownNow();
        }
        try {
            if (server != null && !server.awaitTermination(TERMINATION_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("{}: grpc server did not terminate in time", self);
            }
            for (PeerLink link : links.values()) {
                if (!link.awaitTermination(TERMINATION_MILLIS)) {
                    LOG.warn("{}: channel to {} did not terminate in time", self, link.address());
                }
            }
            links = Map.of();
            if (workers != null) {
                workers.shutdown(); // lets a handler call under way finish instead of interrupting it
                if (!workers.awaitTermination(TERMINATION_MILLIS, TimeUnit.MILLISECONDS)) {
                    workers.shutdownNow();
                    LOG.warn("{}: worker threads did not finish in time; interrupted them", self);
                }
            }
            if (eventLoops != null) {
                eventLoops.shutdownGracefully(0, TERMINATION_MILLIS, TimeUnit.MILLISECONDS)
                        .await(2 * TERMINATION_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("{}: interrupted while closing the grpc transport", self);
        }
    }

    /** {@return a snapshot of the counters: sent, delivered, dropped and rejected by reason} */
    public GrpcTransportStats stats() {
        return counters.snapshot();
    }

    /** {@return the options this transport was created with} */
    public GrpcTransportOptions options() {
        return options;
    }

    private ServerCredentials serverCredentials() throws IOException {
        if (options.tls().isEmpty()) {
            return InsecureServerCredentials.create();
        }
        GrpcTransportOptions.Tls tls = options.tls().get();
        return TlsServerCredentials.newBuilder()
                .keyManager(tls.certChain().toFile(), tls.privateKey().toFile())
                .trustManager(tls.trustCerts().toFile())
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build();
    }

    private ChannelCredentials channelCredentials() throws IOException {
        if (options.tls().isEmpty()) {
            return InsecureChannelCredentials.create();
        }
        GrpcTransportOptions.Tls tls = options.tls().get();
        return TlsChannelCredentials.newBuilder()
                .keyManager(tls.certChain().toFile(), tls.privateKey().toFile())
                .trustManager(tls.trustCerts().toFile())
                .build();
    }
}
