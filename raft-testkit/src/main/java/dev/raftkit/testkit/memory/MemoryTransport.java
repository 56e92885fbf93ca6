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
 * network's scheduler runs the deliveries.
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
        /** It was addressed to another node. */
        WRONG_RECIPIENT,
        /** It was larger than {@link #maxMessageBytes()}. */
        TOO_LARGE,
        /** Its term was negative or above {@link RaftMessage#MAX_TERM}: no valid message carries it. */
        INVALID_TERM
    }


    private final MemoryNetwork network;
    private final NodeId self;
    private final Address selfAddress;
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
                maxMessageBytes(config));
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
        this.network = Objects.requireNonNull(network, "network");
        this.self = Objects.requireNonNull(self, "self");
        this.selfAddress = Objects.requireNonNull(selfAddress, "selfAddress");
        this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException(MAX_MESSAGE_BYTES_OPTION + " must be >= 1, was " + maxMessageBytes);
        }
        this.maxMessageBytes = maxMessageBytes;
        updatePeers(peers);
    }

    /**
     * Attaches this transport to the network at its own address.
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
        if (!network.attach(selfAddress, this)) {
            throw new IOException("address " + selfAddress + " is in use by another memory transport");
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
        network.send(selfAddress, this, to, clusterId, message);
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
        network.detach(selfAddress, this);
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
     * Receives one message from the network; called on the network's delivery thread.
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

    private static Map<NodeId, Address> peersOf(Config config) {
        Map<NodeId, Address> peers = new HashMap<>(config.members());
        peers.remove(config.self());
        return peers;
    }

    private static long maxMessageBytes(Config config) {
        for (String key : config.options().keySet()) {
            if (key.startsWith(OPTION_PREFIX) && !key.equals(MAX_MESSAGE_BYTES_OPTION)) {
                throw new IllegalArgumentException("unknown option " + key + "; the memory providers know only "
                        + MAX_MESSAGE_BYTES_OPTION);
            }
        }
        String value = config.option(MAX_MESSAGE_BYTES_OPTION).orElse(null);
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
