package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.grpc.proto.Rejection;
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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a transport's links and server share: the Netty event loops, the worker pool, the TLS
 * credentials and the server at the bind address, started and stopped together. Used by one
 * {@link GrpcTransport} or one {@link GrpcHostTransport}; not thread-safe (its owner synchronizes).
 *
 * <p>Threads are daemon threads named {@code raftkit-grpc-<name>-io-<n>} (Netty event loops) and
 * {@code raftkit-grpc-<name>-worker-<n>} (gRPC callbacks, send loops, reconnect timers, the idle
 * check); {@link #close} ends all of them before it returns.
 */
final class Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger(Endpoint.class);
    private static final long TERMINATION_MILLIS = 5_000;
    /**
     * A peer's {@link PeerLink} keeps one stream open on its connection at a time (a new one only
     * after the old one ended); a sender that opens more is refused ({@code REFUSED_STREAM}).
     */
    private static final int PEER_STREAMS_PER_CONNECTION = 1;

    private final String name;
    private final GrpcTransportOptions options;
    private final RejectionLog rejections;
    private final NettyIo io;
    private final ConnectionLimiter connections;
    private ServerCredentials serverCredentials;
    private ChannelCredentials channelCredentials;
    private EventLoopGroup eventLoops;
    private ScheduledThreadPoolExecutor workers;
    private Server server;

    /**
     * Creates the endpoint; nothing runs until {@link #start}.
     *
     * @param name what thread names and logs call the owner: a node id, or a host's address
     */
    Endpoint(String name, GrpcTransportOptions options, Counters counters) {
        this.name = name;
        this.options = options;
        this.rejections = new RejectionLog(name, counters);
        this.io = NettyIo.choose(options.epoll());
        this.connections = new ConnectionLimiter(io, options.maxConnections(), options.maxConnectionsPerAddress(),
                rejections);
    }

    /** {@return how the event loops do their I/O} */
    NettyIo io() {
        return io;
    }

    /** {@return where inbound refusals are counted and logged} */
    RejectionLog rejections() {
        return rejections;
    }

    /** {@return the bounds of inbound connections, which the inbound service tells of streams} */
    ConnectionLimiter connections() {
        return connections;
    }

    /**
     * Reads the TLS files and starts the threads.
     *
     * @throws IOException if the TLS files cannot be read
     */
    void start() throws IOException {
        ServerCredentials serverCredentials = serverCredentials();
        channelCredentials = channelCredentials();
        GrpcConnectionLog.quiet();
        eventLoops = new MultiThreadIoEventLoopGroup(options.ioThreads(), new NamedThreadFactory(name, "io"),
                io.handlerFactory());
        workers = new ScheduledThreadPoolExecutor(options.workerThreads(), new NamedThreadFactory(name, "worker"));
        workers.setRemoveOnCancelPolicy(true);
        workers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // pending reconnects die with close()
        this.serverCredentials = serverCredentials;
    }

    /**
     * Runs {@code task} on the event loop when there is only one, which then carries every
     * connection of this endpoint; see {@link GrpcTransport#sendingThread()}.
     *
     * @throws RejectedExecutionException before {@link #start} and once closing
     */
    void runOnEventLoop(Runnable task) {
        EventLoopGroup loops = eventLoops;
        if (loops == null || loops.isShuttingDown()) {
            throw new RejectedExecutionException(name + ": the event loop is not running");
        }
        loops.next().execute(task);
    }

    /** {@return whether senders' node ids are checked against their certificates} */
    boolean verifyNodeId() {
        return options.tls().map(GrpcTransportOptions.Tls::verifyNodeId).orElse(false);
    }

    /**
     * Binds the server at {@code grpc.bindAddress} and serves {@code inbound}; the caller closes
     * this endpoint if it fails.
     *
     * @throws IOException if the address cannot be bound
     */
    void listen(InboundService inbound) throws IOException {
        inbound.startIdleCheck(workers);
        server = NettyServerBuilder.forAddress(new InetSocketAddress(options.bindAddress().host(),
                        options.bindAddress().port()), serverCredentials)
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
                .addService(verifyNodeId() ? ServerInterceptors.intercept(inbound.definition(), new PeerIdentity())
                        : inbound.definition())
                .build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            throw new IOException("grpc transport of " + name + " cannot listen on " + options.bindAddress() + ": "
                    + e.getMessage(), e);
        }
        LOG.info("{}: grpc transport listening on {} ({}, {})", name, options.bindAddress(),
                options.tls().isPresent() ? "mutual TLS" : "plaintext", io);
    }

    /**
     * Opens a link to {@code address}; the channel connects on its first message.
     *
     * @param peer what the logs call the peer
     * @param rejections told of every notice the peer sends back
     */
    <F> PeerLink<F> link(String peer, Address address, Outbox<F> outbox, PeerLink.StreamOpener<F> opener,
            Consumer<Rejection> rejections) {
        return new PeerLink<>(name, peer, address, options, channelCredentials, eventLoops, io.clientChannelType(),
                workers, outbox, opener, rejections);
    }

    /**
     * Closes {@code links} and the server, then waits for both and ends every thread. Called once,
     * also after a failed {@link #start} or {@link #listen}.
     */
    void close(Collection<? extends PeerLink<?>> links) {
        links.forEach(PeerLink::close);
        if (server != null) {
            server.shutdownNow();
        }
        try {
            if (server != null && !server.awaitTermination(TERMINATION_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("{}: grpc server did not terminate in time", name);
            }
            for (PeerLink<?> link : links) {
                if (!link.awaitTermination(TERMINATION_MILLIS)) {
                    LOG.warn("{}: channel to {} did not terminate in time", name, link.address());
                }
            }
            if (workers != null) {
                workers.shutdown(); // lets a handler call under way finish instead of interrupting it
                if (!workers.awaitTermination(TERMINATION_MILLIS, TimeUnit.MILLISECONDS)) {
                    workers.shutdownNow();
                    LOG.warn("{}: worker threads did not finish in time; interrupted them", name);
                }
            }
            if (eventLoops != null) {
                eventLoops.shutdownGracefully(0, TERMINATION_MILLIS, TimeUnit.MILLISECONDS)
                        .await(2 * TERMINATION_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("{}: interrupted while closing the grpc transport", name);
        }
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
