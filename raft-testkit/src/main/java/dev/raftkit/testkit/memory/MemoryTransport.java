package dev.raftkit.testkit.memory;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link Transport} that exchanges messages through a {@link MemoryNetwork}, with no sockets.
 *
 * <p>It keeps the SPI's obligations: inbound messages of another cluster id, addressed to another
 * node, larger than {@link #maxMessageBytes()}, or whose term is outside {@code [0, }
 * {@link RaftMessage#MAX_TERM}{@code ]} are rejected and counted, never handed on; a
 * message from a sender that is not a current peer is counted and handed, with the sender's
 * address (every message carries it), to {@link MessageHandler#onMessageFromUnknownSender};
 * {@link #send} never blocks or throws for delivery problems; after {@link #close} nothing more
 * is delivered. It starts no thread of its own: the
 * network's scheduler runs the deliveries. The same class is a group's view of a
 * {@link MemoryHostTransport}: it then meets the network through its host's address, and its
 * messages carry its group.
 *
 * <p>Option {@code memory.maxMessageBytes} (default 16 MiB) bounds the estimated size of an inbound
 * message, {@link dev.raftkit.spi.RaftMessage#sizeBytes()}; any other {@code memory.*} key is refused.
 */
public final class MemoryTransport implements Transport {

    /** Option key of the inbound size bound, in bytes. */
    public static final String MAX_MESSAGE_BYTES_OPTION = "memory.maxMessageBytes";
    /** The prefix of the options of the {@code memory} providers; the log store takes none. */
    private static final String OPTION_PREFIX = "memory.";
    /** Default inbound size bound: 16 MiB. */
    public static final long DEFAULT_MAX_MESSAGE_BYTES = 16L << 20;

    /** Why an outbound message was not handed to the network. */
    public enum DropReason {
        /** The transport was not started yet, or already closed. */
        NOT_RUNNING,
        /** The receiver is not a current peer. */
        UNKNOWN_PEER
    }

    /** Why an inbound message was not handed to the handler. */
    public enum RejectReason {
        /** It carried another cluster id. */
        WRONG_CLUSTER,
        /**
         * Its sender is not a current peer: not handed to {@link MessageHandler#onMessage}, but to
         * {@link MessageHandler#onMessageFromUnknownSender}, which decides whether to hear it.
         */
        UNKNOWN_SENDER,
        /** It was addressed to another node, or to a group of a host while this is a single node. */
        WRONG_RECIPIENT,
        /** It was larger than {@link #maxMessageBytes()}. */
        TOO_LARGE,
        /** Its term was negative or above {@link RaftMessage#MAX_TERM}: no valid message carries it. */
        INVALID_TERM
    }


    private final Port port;
    private final NodeId self;
    private final String clusterId;
    private final long maxMessageBytes;
    private volatile Map<NodeId, Address> peers;
    private volatile MessageHandler handler;
    private volatile boolean closed;
    /** Deliveries hold the read lock, {@link #close} the write lock: no delivery once close returns. */
    private final ReentrantReadWriteLock deliveryLock = new ReentrantReadWriteLock();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final Map<DropReason, AtomicLong> dropped = counters(DropReason.class);
    private final Map<RejectReason, AtomicLong> rejected = counters(RejectReason.class);

    /**
     * Creates the transport of {@code config.self()}: its address, cluster id, initial peers (the
     * members without self) and option {@code memory.maxMessageBytes} come from {@code config}.
     *
     * @param network the network to attach to at {@link #start}
     * @param config the node's configuration
     * @throws IllegalArgumentException if {@code memory.maxMessageBytes} is not a positive number, or
     *     another {@code memory.*} option is set (a misspelt one would otherwise be ignored)
     */
    public MemoryTransport(MemoryNetwork network, Config config) {
        this(network, config.self(), config.selfAddress(), config.clusterId(), peersOf(config),
                maxMessageBytes(config.options()));
    }

    /**
     * Creates a transport from its parts, for simulators that build no {@link Config}.
     *
     * @param network the network to attach to at {@link #start}
     * @param self this node's id
     * @param selfAddress the address this node is reached at
     * @param clusterId the cluster id every message must carry
     * @param peers the initial peers, self excluded
     * @param maxMessageBytes the inbound size bound, at least 1
     */
    public MemoryTransport(MemoryNetwork network, NodeId self, Address selfAddress, String clusterId,
            Map<NodeId, Address> peers, long maxMessageBytes) {
        this(new NodePort(network, selfAddress), self, clusterId, peers, maxMessageBytes);
    }

    /** Creates a transport that meets the network through {@code port}: its own address, or its host's. */
    MemoryTransport(Port port, NodeId self, String clusterId, Map<NodeId, Address> peers, long maxMessageBytes) {
        this.port = Objects.requireNonNull(port, "port");
        this.self = Objects.requireNonNull(self, "self");
        this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException(MAX_MESSAGE_BYTES_OPTION + " must be >= 1, was " + maxMessageBytes);
        }
        this.maxMessageBytes = maxMessageBytes;
        updatePeers(peers);
    }

    /**
     * Attaches this transport to the network at its own address (a group's view: registers its
     * group with its host).
     *
     * @throws IOException if another transport is attached at that address
     * @throws IllegalStateException if already started or closed
     */
    @Override
    public void start(MessageHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        if (closed || this.handler != null) {
            throw new IllegalStateException("memory transport of " + self + " was already " + (closed ? "closed" : "started"));
        }
        if (!port.attach(this)) {
            throw new IOException(port + " is in use by another memory transport");
        }
        this.handler = handler;
    }

    @Override
    public void updatePeers(Map<NodeId, Address> peers) {
        Map<NodeId, Address> copy = new HashMap<>(Objects.requireNonNull(peers, "peers"));
        copy.remove(self);
        this.peers = Map.copyOf(copy);
    }

    /**
     * Hands {@code message} to the network; drops and counts it if this transport is not running or
     * the receiver is not a peer.
     *
     * @throws IllegalArgumentException if {@code message.from()} is not this node (a caller bug)
     */
    @Override
    public void send(RaftMessage message) {
        if (!message.from().equals(self)) {
            throw new IllegalArgumentException("message from " + message.from() + " sent through the transport of " + self);
        }
        if (closed || handler == null) {
            dropped.get(DropReason.NOT_RUNNING).incrementAndGet();
            return;
        }
        Address to = peers.get(message.to());
        if (to == null) {
            dropped.get(DropReason.UNKNOWN_PEER).incrementAndGet();
            return;
        }
        sent.incrementAndGet();
        port.send(to, clusterId, message);
    }

    /** Detaches from the network; waits for a delivery in progress on another thread. Idempotent. */
    @Override
    public void close() {
        if (deliveryLock.getReadHoldCount() > 0) {
            closed = true; // called from our own handler: the delivery under way is the last one
        } else {
            deliveryLock.writeLock().lock();
            try {
                closed = true;
            } finally {
                deliveryLock.writeLock().unlock();
            }
        }
        port.detach(this);
    }

    /** {@return the inbound size bound in bytes, {@code memory.maxMessageBytes}} */
    @Override
    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    /** {@return how many messages were handed to the network} */
    public long sent() {
        return sent.get();
    }

    /** {@return how many inbound messages were handed to the handler's {@code onMessage}} */
    public long received() {
        return received.get();
    }

    /**
     * Returns how many outbound messages were dropped for {@code reason}.
     *
     * @param reason the reason
     * @return the count since creation
     */
    public long dropped(DropReason reason) {
        return dropped.get(reason).get();
    }

    /**
     * Returns how many inbound messages were rejected for {@code reason}.
     *
     * @param reason the reason
     * @return the count since creation
     */
    public long rejected(RejectReason reason) {
        return rejected.get(reason).get();
    }

    /**
     * Receives one message from the network or its host; called on the network's delivery thread.
     *
     * @param senderAddress the address the sender's transport is attached at
     */
    void receive(String messageClusterId, Address senderAddress, RaftMessage message) {
        RejectReason reason = check(messageClusterId, message);
        if (reason != null) {
            rejected.get(reason).incrementAndGet();
            return;
        }
        boolean fromPeer = peers.containsKey(message.from());
        if (!fromPeer) {
            rejected.get(RejectReason.UNKNOWN_SENDER).incrementAndGet();
        }
        deliveryLock.readLock().lock();
        try {
            MessageHandler target = handler;
            if (closed || target == null) {
                return;
            }
            if (fromPeer) {
                received.incrementAndGet();
                target.onMessage(message);
            } else {
                target.onMessageFromUnknownSender(message, senderAddress);
            }
        } finally {
            deliveryLock.readLock().unlock();
        }
    }

    /** {@return why {@code message} must not be handed on at all, or null} */
    private RejectReason check(String messageClusterId, RaftMessage message) {
        if (!clusterId.equals(messageClusterId)) {
            return RejectReason.WRONG_CLUSTER;
        }
        if (!message.to().equals(self)) {
            return RejectReason.WRONG_RECIPIENT;
        }
        if (message.sizeBytes() > maxMessageBytes) {
            return RejectReason.TOO_LARGE;
        }
        if (message.term() < 0 || message.term() > RaftMessage.MAX_TERM) {
            return RejectReason.INVALID_TERM;
        }
        return null;
    }

    /** Where a transport meets the network: its own address, or its host's with its group. */
    interface Port {

        /** Starts handing {@code transport} its messages; false if the place is taken. */
        boolean attach(MemoryTransport transport);

        /** Stops handing {@code transport} its messages. */
        void detach(MemoryTransport transport);

        /** Sends one message of the attached transport to the transport or host at {@code to}. */
        void send(Address to, String clusterId, RaftMessage message);
    }

    /** The port of a single node: its own address on the network; messages carry no group. */
    private static final class NodePort implements Port {
        private final MemoryNetwork network;
        private final Address address;
        private volatile MemoryNetwork.Endpoint endpoint;

        NodePort(MemoryNetwork network, Address address) {
            this.network = Objects.requireNonNull(network, "network");
            this.address = Objects.requireNonNull(address, "selfAddress");
        }

        @Override
        public boolean attach(MemoryTransport transport) {
            MemoryNetwork.Endpoint receiver = (clusterId, senderAddress, group, message) -> {
                if (group != null) {
                    transport.rejected.get(RejectReason.WRONG_RECIPIENT).incrementAndGet();
                } else {
                    transport.receive(clusterId, senderAddress, message);
                }
            };
            if (!network.attach(address, receiver)) {
                return false;
            }
            endpoint = receiver;
            return true;
        }

        @Override
        public void detach(MemoryTransport transport) {
            MemoryNetwork.Endpoint receiver = endpoint;
            if (receiver != null) {
                network.detach(address, receiver);
            }
        }

        @Override
        public void send(Address to, String clusterId, RaftMessage message) {
            MemoryNetwork.Endpoint sender = endpoint;
            if (sender != null) {
                network.send(address, sender, to, clusterId, null, message);
            }
        }

        @Override
        public String toString() {
            return "address " + address;
        }
    }

    private static Map<NodeId, Address> peersOf(Config config) {
        Map<NodeId, Address> peers = new HashMap<>(config.members());
        peers.remove(config.self());
        return peers;
    }

    /**
     * Reads option {@code memory.maxMessageBytes}, refusing any other {@code memory.*} key.
     *
     * @param options the provider options of a node or host
     * @return the inbound size bound
     */
    static long maxMessageBytes(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (key.startsWith(OPTION_PREFIX) && !key.equals(MAX_MESSAGE_BYTES_OPTION)) {
                throw new IllegalArgumentException("unknown option " + key + "; the memory providers know only "
                        + MAX_MESSAGE_BYTES_OPTION);
            }
        }
        String value = options.get(MAX_MESSAGE_BYTES_OPTION);
        if (value == null) {
            return DEFAULT_MAX_MESSAGE_BYTES;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MAX_MESSAGE_BYTES_OPTION + " must be a number of bytes >= 1, was \""
                    + value + "\"", e);
        }
    }

    private static <E extends Enum<E>> Map<E, AtomicLong> counters(Class<E> type) {
        Map<E, AtomicLong> map = new EnumMap<>(type);
        for (E reason : type.getEnumConstants()) {
            map.put(reason, new AtomicLong());
        }
        return map;
    }
}
