package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code grpc.*} options of the gRPC transport, read from {@link Config#options()} and checked
 * at once: a bad value fails with an {@link IllegalArgumentException} naming the option and what it
 * accepts.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code grpc.maxMessageBytes}</td><td>16777216 (16 MiB)</td><td>largest encoded message
 *     accepted inbound and sent outbound; larger ones are rejected or dropped and counted</td></tr>
 * <tr><td>{@code grpc.maxQueuedMessages}</td><td>1024</td><td>messages waiting per peer; when full,
 *     new messages to that peer are dropped and counted</td></tr>
 * <tr><td>{@code grpc.maxQueuedBytes}</td><td>67108864 (64 MiB)</td><td>estimated bytes waiting per
 *     peer; same overflow rule</td></tr>
 * <tr><td>{@code grpc.reconnectInitialBackoffMillis}</td><td>50</td><td>first wait before a failed
 *     stream to a peer is opened again; doubles per failure, with jitter</td></tr>
 * <tr><td>{@code grpc.reconnectMaxBackoffMillis}</td><td>2000</td><td>longest such wait</td></tr>
 * <tr><td>{@code grpc.ioThreads}</td><td>1 for a node, 2 for a host</td><td>Netty event-loop threads
 *     (sockets of the server and of every peer channel). With one, a node's steps run on it too
 *     ({@link dev.raftkit.spi.Transport#sendingThread}), so what they send leaves without a
 *     thread wake-up</td></tr>
 * <tr><td>{@code grpc.epoll}</td><td>true</td><td>{@code true}: the event loops use Netty's native
 *     epoll transport where the platform has it (Linux on x86_64 or aarch64), else the JDK's NIO;
 *     {@code false}: always NIO. Epoll makes fewer system calls per message</td></tr>
 * <tr><td>{@code grpc.workerThreads}</td><td>2</td><td>threads that run gRPC callbacks, the message
 *     handler and the per-peer send loops</td></tr>
 * <tr><td>{@code grpc.bindAddress}</td><td>the node's own address</td><td>{@code host:port} to
 *     listen on, when it differs from the address peers use (e.g. {@code 0.0.0.0:7000} behind
 *     NAT or a proxy)</td></tr>
 * <tr><td>{@code grpc.maxConnections}</td><td>32</td><td>inbound connections open at once; more are
 *     closed as soon as they are accepted, counted ({@code TOO_MANY_CONNECTIONS}) and logged</td></tr>
 * <tr><td>{@code grpc.maxConnectionsPerAddress}</td><td>8</td><td>inbound connections open at once from
 *     one remote IP address; same rule. A peer needs one (two briefly while it reconnects); raise it
 *     when many members share one address (NAT)</td></tr>
 * <tr><td>{@code grpc.flowControlWindowBytes}</td><td>1048576 (1 MiB)</td><td>HTTP/2 flow-control window
 *     of each inbound stream and connection: bytes a sender may have in flight unread</td></tr>
 * <tr><td>{@code grpc.handshakeTimeoutMillis}</td><td>10000</td><td>time a new connection has to
 *     complete its TLS and HTTP/2 handshake before it is closed</td></tr>
 * <tr><td>{@code grpc.idleTimeoutMillis}</td><td>120000</td><td>an inbound connection without a stream,
 *     and an inbound stream that completes no message, for this long is closed (a quiet peer's link
 *     reopens on its next message)</td></tr>
 * <tr><td>{@code grpc.tls.certChain}</td><td>none</td><td>PEM file: this node's certificate chain,
 *     presented both as server and as client</td></tr>
 * <tr><td>{@code grpc.tls.privateKey}</td><td>none</td><td>PEM file: the PKCS#8 private key of that
 *     certificate</td></tr>
 * <tr><td>{@code grpc.tls.trustCerts}</td><td>none</td><td>PEM file: the CA certificates a peer's
 *     certificate must chain to</td></tr>
 * <tr><td>{@code grpc.tls.verifyNodeId}</td><td>true</td><td>with TLS, accept a message only if the
 *     sender's certificate names its node id as URI subject alternative name
 *     {@code urn:raftkit:node:<id>} (see {@link PeerIdentity}); this node's own certificate must name
 *     its id too. {@code false} lets any trusted certificate speak for any node</td></tr>
 * </table>
 *
 * <p>TLS is off unless one of the files {@code grpc.tls.certChain}, {@code grpc.tls.privateKey} or
 * {@code grpc.tls.trustCerts} is set; then all three are required and peers authenticate each other
 * (mutual TLS). Any other {@code grpc.*} key is refused, so a misspelt option (a TLS one above all)
 * fails at start instead of being ignored.
 *
 * <p>Memory held by unfinished inbound messages is bounded: each connection carries one stream at a
 * time, which holds at most one partial message of up to {@code grpc.maxMessageBytes} plus one
 * flow-control window, so in all at most {@code grpc.maxConnections x (grpc.maxMessageBytes +
 * grpc.flowControlWindowBytes)} (about 544 MiB with the defaults), and {@code
 * grpc.maxConnectionsPerAddress} times that per connection from one address.
 *
 * @param maxMessageBytes see {@code grpc.maxMessageBytes}
 * @param maxQueuedMessages see {@code grpc.maxQueuedMessages}
 * @param maxQueuedBytes see {@code grpc.maxQueuedBytes}
 * @param reconnectInitialBackoff see {@code grpc.reconnectInitialBackoffMillis}
 * @param reconnectMaxBackoff see {@code grpc.reconnectMaxBackoffMillis}
 * @param ioThreads see {@code grpc.ioThreads}
 * @param epoll see {@code grpc.epoll}
 * @param workerThreads see {@code grpc.workerThreads}
 * @param bindAddress see {@code grpc.bindAddress}
 * @param maxConnections see {@code grpc.maxConnections}
 * @param maxConnectionsPerAddress see {@code grpc.maxConnectionsPerAddress}
 * @param flowControlWindowBytes see {@code grpc.flowControlWindowBytes}
 * @param handshakeTimeout see {@code grpc.handshakeTimeoutMillis}
 * @param idleTimeout see {@code grpc.idleTimeoutMillis}
 * @param tls the TLS files, if TLS is on
 */
public record GrpcTransportOptions(int maxMessageBytes, int maxQueuedMessages, long maxQueuedBytes,
        Duration reconnectInitialBackoff, Duration reconnectMaxBackoff, int ioThreads, boolean epoll,
        int workerThreads, Address bindAddress, int maxConnections, int maxConnectionsPerAddress,
        int flowControlWindowBytes, Duration handshakeTimeout, Duration idleTimeout, Optional<Tls> tls) {

    /** Key of the inbound and outbound message size bound. */
    public static final String MAX_MESSAGE_BYTES = "grpc.maxMessageBytes";
    /** Key of the per-peer queue bound in messages. */
    public static final String MAX_QUEUED_MESSAGES = "grpc.maxQueuedMessages";
    /** Key of the per-peer queue bound in bytes. */
    public static final String MAX_QUEUED_BYTES = "grpc.maxQueuedBytes";
    /** Key of the first reconnect wait. */
    public static final String RECONNECT_INITIAL_BACKOFF_MILLIS = "grpc.reconnectInitialBackoffMillis";
    /** Key of the longest reconnect wait. */
    public static final String RECONNECT_MAX_BACKOFF_MILLIS = "grpc.reconnectMaxBackoffMillis";
    /** Key of the event-loop thread count. */
    public static final String IO_THREADS = "grpc.ioThreads";
    /**
     * A node's default {@link #IO_THREADS}: one event loop carries its few peer connections and
     * runs its steps, so its sends need no hand-off (raft-bench/README.md, issue 19).
     */
    private static final int NODE_IO_THREADS = 1;
    /** A host's default {@link #IO_THREADS}: its groups' steps run on its pool, and its traffic is many groups'. */
    private static final int HOST_IO_THREADS = 2;
    /** Key of the worker thread count. */
    public static final String WORKER_THREADS = "grpc.workerThreads";
    /** Key of the choice of native epoll over NIO where the platform has it. */
    public static final String EPOLL = "grpc.epoll";
    /** Key of the listen address override. */
    public static final String BIND_ADDRESS = "grpc.bindAddress";
    /** Key of the bound on inbound connections in total. */
    public static final String MAX_CONNECTIONS = "grpc.maxConnections";
    /** Key of the bound on inbound connections from one remote IP address. */
    public static final String MAX_CONNECTIONS_PER_ADDRESS = "grpc.maxConnectionsPerAddress";
    /** Key of the HTTP/2 flow-control window of inbound streams and connections. */
    public static final String FLOW_CONTROL_WINDOW_BYTES = "grpc.flowControlWindowBytes";
    /** Key of the time a new connection has to complete its handshake. */
    public static final String HANDSHAKE_TIMEOUT_MILLIS = "grpc.handshakeTimeoutMillis";
    /** Key of the time after which an inbound connection without a stream, or a stream without a message, is closed. */
    public static final String IDLE_TIMEOUT_MILLIS = "grpc.idleTimeoutMillis";
    /** Key of this node's PEM certificate chain. */
    public static final String TLS_CERT_CHAIN = "grpc.tls.certChain";
    /** Key of this node's PEM PKCS#8 private key. */
    public static final String TLS_PRIVATE_KEY = "grpc.tls.privateKey";
    /** Key of the PEM file of trusted CA certificates. */
    public static final String TLS_TRUST_CERTS = "grpc.tls.trustCerts";
    /** Key of the switch that binds a sender's node id to its certificate. */
    public static final String TLS_VERIFY_NODE_ID = "grpc.tls.verifyNodeId";

    /** Every key this transport reads; any other {@code grpc.*} key is refused. */
    private static final Set<String> KEYS = new TreeSet<>(Set.of(MAX_MESSAGE_BYTES, MAX_QUEUED_MESSAGES,
            MAX_QUEUED_BYTES, RECONNECT_INITIAL_BACKOFF_MILLIS, RECONNECT_MAX_BACKOFF_MILLIS, IO_THREADS,
            EPOLL, WORKER_THREADS, BIND_ADDRESS, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS,
            FLOW_CONTROL_WINDOW_BYTES, HANDSHAKE_TIMEOUT_MILLIS, IDLE_TIMEOUT_MILLIS, TLS_CERT_CHAIN, TLS_PRIVATE_KEY,
            TLS_TRUST_CERTS, TLS_VERIFY_NODE_ID));
    private static final String PREFIX = "grpc.";

    /**
     * The files of mutual TLS.
     *
     * @param certChain this node's certificate chain (PEM)
     * @param privateKey its private key (PEM, PKCS#8)
     * @param trustCerts the trusted CA certificates (PEM)
     * @param verifyNodeId whether a sender's certificate must name the node id it sends as
     */
    public record Tls(Path certChain, Path privateKey, Path trustCerts, boolean verifyNodeId) {
    }

    /**
     * Reads and checks the options of {@code config}.
     *
     * @param config the node's configuration
     * @return the options
     * @throws IllegalArgumentException naming the option when a {@code grpc.*} key is unknown (the
     *     message lists the valid ones), a value is invalid, a TLS file is missing or unreadable, or
     *     only some of the TLS options are set
     */
    public static GrpcTransportOptions from(Config config) {
        return from(config.options(), config.selfAddress(), NODE_IO_THREADS);
    }

    /**
     * Reads and checks the options of a host's configuration, with the rules of {@link #from(Config)};
     * the bind address defaults to the host's address.
     *
     * @param config the host's configuration
     * @return the options
     * @throws IllegalArgumentException naming the option, as {@link #from(Config)}
     */
    public static GrpcTransportOptions from(HostConfig config) {
        return from(config.options(), config.address(), HOST_IO_THREADS);
    }

    private static GrpcTransportOptions from(Map<String, String> config, Address selfAddress, int defaultIoThreads) {
        for (String key : config.keySet()) {
            if (key.startsWith(PREFIX) && !KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown option " + key + "; the grpc transport knows "
                        + String.join(", ", KEYS));
            }
        }
        int maxMessageBytes = (int) number(config, MAX_MESSAGE_BYTES, 16L << 20, 1024, Integer.MAX_VALUE);
        int maxQueuedMessages = (int) number(config, MAX_QUEUED_MESSAGES, 1024, 1, Integer.MAX_VALUE);
        long maxQueuedBytes = number(config, MAX_QUEUED_BYTES, 64L << 20, 1, Long.MAX_VALUE);
        long initialBackoff = number(config, RECONNECT_INITIAL_BACKOFF_MILLIS, 50, 1, 3_600_000);
        long maxBackoff = number(config, RECONNECT_MAX_BACKOFF_MILLIS, 2000, 1, 3_600_000);
        if (maxBackoff < initialBackoff) {
            throw new IllegalArgumentException(RECONNECT_MAX_BACKOFF_MILLIS + " (" + maxBackoff + ") must be >= "
                    + RECONNECT_INITIAL_BACKOFF_MILLIS + " (" + initialBackoff + ")");
        }
        int ioThreads = (int) number(config, IO_THREADS, defaultIoThreads, 1, 64);
        boolean epoll = bool(config, EPOLL, true);
        int workerThreads = (int) number(config, WORKER_THREADS, 2, 1, 64);
        Address bindAddress = option(config, BIND_ADDRESS).map(text -> {
            try {
                return Address.parse(text.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(BIND_ADDRESS + ": " + e.getMessage(), e);
            }
        }).orElse(selfAddress);
        int maxConnections = (int) number(config, MAX_CONNECTIONS, 32, 1, 65_536);
        int maxConnectionsPerAddress = (int) number(config, MAX_CONNECTIONS_PER_ADDRESS, 8, 1, 65_536);
        int flowControlWindow = (int) number(config, FLOW_CONTROL_WINDOW_BYTES, 1L << 20, 64L << 10, 64L << 20);
        long handshakeTimeout = number(config, HANDSHAKE_TIMEOUT_MILLIS, 10_000, 1, 3_600_000);
        long idleTimeout = number(config, IDLE_TIMEOUT_MILLIS, 120_000, 1, 86_400_000);
        return new GrpcTransportOptions(maxMessageBytes, maxQueuedMessages, maxQueuedBytes,
                Duration.ofMillis(initialBackoff), Duration.ofMillis(maxBackoff), ioThreads, epoll, workerThreads,
                bindAddress, maxConnections, maxConnectionsPerAddress, flowControlWindow,
                Duration.ofMillis(handshakeTimeout), Duration.ofMillis(idleTimeout), tls(config));
    }

    private static Optional<Tls> tls(Map<String, String> config) {
        Optional<String> cert = option(config, TLS_CERT_CHAIN);
        Optional<String> key = option(config, TLS_PRIVATE_KEY);
        Optional<String> trust = option(config, TLS_TRUST_CERTS);
        if (cert.isEmpty() && key.isEmpty() && trust.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Tls(file(TLS_CERT_CHAIN, cert), file(TLS_PRIVATE_KEY, key),
                file(TLS_TRUST_CERTS, trust), bool(config, TLS_VERIFY_NODE_ID, true)));
    }

    private static boolean bool(Map<String, String> config, String key, boolean defaultValue) {
        return option(config, key).map(text -> switch (text.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, was \"" + text + "\"");
        }).orElse(defaultValue);
    }

    private static Path file(String key, Optional<String> value) {
        String text = value.orElseThrow(() -> new IllegalArgumentException(key + " must be set: TLS needs all of "
                + TLS_CERT_CHAIN + ", " + TLS_PRIVATE_KEY + " and " + TLS_TRUST_CERTS));
        Path path = Path.of(text);
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(key + ": cannot read PEM file " + path.toAbsolutePath());
        }
        return path;
    }

    private static long number(Map<String, String> config, String key, long defaultValue, long min, long max) {
        Optional<String> text = option(config, key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(text.get().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number in [" + min + ", " + max + "], was \""
                    + text.get() + "\"", e);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    private static Optional<String> option(Map<String, String> options, String key) {
        return Optional.ofNullable(options.get(key));
    }
}
