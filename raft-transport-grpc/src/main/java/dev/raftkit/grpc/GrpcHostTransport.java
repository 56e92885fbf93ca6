package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import dev.raftkit.grpc.proto.Batch;
import dev.raftkit.grpc.proto.RaftTransportGrpc.RaftTransportStub;
import dev.raftkit.grpc.proto.Rejection;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC {@link HostTransport}: one server at the host's address receives for every group, and one
 * {@link PeerLink} per peer host address sends the messages of every group with a member there, on
 * one long-lived {@code HostStream} per peer host. Each message carries its group id; the messages
 * queued at a time travel together in one {@link Batch} frame, whose cluster id and sender address
 * are stated once.
 *
 * <p>Each group sees the host through {@link #group}, an ordinary {@link Transport}: its member ids
 * are its own (they may differ per group, and equal ids in two groups never mix), and the receiving
 * checks are a single node's, per group: addressed to the group's own member, from a current peer of
 * that group (else the unknown-sender path), within {@code grpc.maxMessageBytes}.
 *
 * <p>Multiplexing: outbound, every group has its own bounded queue per peer host ({@code
 * grpc.maxQueuedMessages} and {@code grpc.maxQueuedBytes}, as a single node per peer), drained
 * round-robin one message per group at a time, so a group that floods drops only its own excess and
 * never delays another group's heartbeats by more than one message per busy group. Inbound, each
 * message goes straight to its group's handler, which never blocks by {@code MessageHandler}'s
 * contract, so one group cannot stall another.
 *
 * <p>A message of a group this host does not run (never opened, or its view closed) is not
 * delivered: it is counted as {@code UNKNOWN_GROUP} and per group in {@link #unknownGroups()}, logged
 * (rate-limited), and the sending host is told the group's id, at most once per group every 10
 * seconds per stream. The sender counts those notices per group in {@link #unknownAtPeers()} and
 * logs {@code host at <address> does not run group <id>} (WARN, rate-limited): that is how a user
 * sees a group missing on a peer host.
 *
 * <p>Options are the {@code grpc.*} options of {@link GrpcTransportOptions}, read from
 * {@link HostConfig#options()}; the cluster id is the host's. With mutual TLS and {@code
 * grpc.tls.verifyNodeId}, a message is accepted only if the sender's certificate names the member
 * id it is sent from, so a host's certificate names every member id its groups use (usually one per
 * host); a group view whose own member id the host's certificate does not name fails to start.
 * Threads are named {@code raftkit-grpc-host-<address>-io-<n>} and {@code -worker-<n>}; {@link #close()}
 * ends every view and every thread before it returns.
 */
public final class GrpcHostTransport implements HostTransport {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcHostTransport.class);
    private static final long NOTICE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Address address;
    private final String name;
    private final String clusterId;
    private final GrpcTransportOptions options;
    private final Counters counters = new Counters();
    private final Endpoint endpoint;
    private final Map<GroupId, GroupView> views = new ConcurrentHashMap<>();
    private volatile Map<Address, Link> links = Map.of();
    /**
     * For each peer host address, how many of its members the open views name (a view counts from
     * {@link #group} to its close, with its current peers); guarded by {@code this}. Kept as views
     * come and go so that {@link #updateLinks} compares these addresses with the links, which costs
     * the number of peer hosts, not of groups: starting or stopping N groups is O(N) in all.
     */
    private final Map<Address, Integer> wantedPeers = new HashMap<>();
    private volatile boolean running;
    private boolean closed;
    private final AtomicLong lastNoticeLog = new AtomicLong(System.nanoTime() - NOTICE_LOG_INTERVAL_NANOS);

    /**
     * Creates the transport of the host at {@code config.address()}; nothing runs until {@link #start}.
     *
     * @param config the host's configuration; its {@code grpc.*} options are read here
     * @throws IllegalArgumentException naming the option if a {@code grpc.*} option is invalid
     */
    public GrpcHostTransport(HostConfig config) {
        this.address = config.address();
        this.name = "host-" + address;
        this.clusterId = config.clusterId();
        this.options = GrpcTransportOptions.from(config);
        this.endpoint = new Endpoint(name, options, counters);
    }

    /**
     * Binds the server and starts the threads.
     *
     * @throws IOException if the address cannot be bound or the TLS files cannot be read
     * @throws IllegalStateException if already started or closed
     */
    @Override
    public synchronized void start() throws IOException {
        if (closed || running) {
            throw new IllegalStateException("grpc host transport of " + address + " was already "
                    + (closed ? "closed" : "started"));
        }
        endpoint.start();
        running = true;
        try {
            endpoint.listen(InboundService.forHost(name, clusterId, this::recipient, counters, endpoint.rejections(),
                    endpoint.connections(), options.idleTimeout()));
        } catch (IOException e) {
            close();
            throw e;
        }
        updateLinks();
    }

    /**
     * Opens the view of {@code group} for its member {@code groupConfig.self()}, whose peers are
     * {@code groupConfig.members()}. The group config's cluster id and options are not read: the
     * host's apply.
     *
     * @throws IllegalStateException if a view of {@code group} is open, or this transport is closed
     */
    @Override
    public synchronized Transport group(GroupId group, Config groupConfig) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(groupConfig, "groupConfig");
        if (closed) {
            throw new IllegalStateException("grpc host transport of " + address + " is closed; cannot open group "
                    + group);
        }
        if (views.containsKey(group)) {
            throw new IllegalStateException("a view of group " + group + " is already open on host " + address);
        }
        GroupView view = new GroupView(group, groupConfig);
        views.put(group, view);
        want(view.peers.values(), 1);
        return view;
    }

    /** {@return {@code grpc.maxMessageBytes}: the largest encoded frame sent or accepted} */
    @Override
    public long maxMessageBytes() {
        return options.maxMessageBytes();
    }

    /** Closes every group's view, every connection and ends every thread, waiting for them. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        views.values().forEach(view -> view.closed = true);
        views.clear();
        wantedPeers.clear();
        endpoint.close(links.values().stream().map(Link::peer).toList());
        links = Map.of();
    }

    /** {@return a snapshot of the counters of every group: sent, delivered, dropped and rejected by reason} */
    public GrpcTransportStats stats() {
        return counters.snapshot();
    }

    /**
     * {@return inbound messages of groups this host does not run, per group id (at most 1,024 groups
     * are tracked; {@code stats()} counts them all as {@code UNKNOWN_GROUP})}
     */
    public Map<GroupId, Long> unknownGroups() {
        return counters.unknownGroups();
    }

    /** {@return notices from peer hosts that they do not run a group, per group id (at most 1,024 tracked)} */
    public Map<GroupId, Long> unknownAtPeers() {
        return counters.unknownAtPeers();
    }

    /** {@return the options this transport was created with} */
    public GrpcTransportOptions options() {
        return options;
    }

    private Recipient recipient(GroupId group) {
        GroupView view = views.get(group);
        return view == null ? null : view.recipient;
    }

    /** Counts {@code peers} as named by one more view ({@code delta} 1) or one fewer ({@code delta} -1). */
    private synchronized void want(Collection<Address> peers, int delta) {
        for (Address peer : peers) {
            wantedPeers.merge(peer, delta, (count, change) -> count + change == 0 ? null : count + change);
        }
    }

    /**
     * Opens a link to every peer host some group's view names, and closes the links no view names;
     * changes the links only if that set changed.
     */
    private synchronized void updateLinks() {
        if (!running || links.keySet().equals(wantedPeers.keySet())) {
            return;
        }
        Map<Address, Link> next = new HashMap<>();
        links.forEach((peer, link) -> {
            if (wantedPeers.containsKey(peer)) {
                next.put(peer, link);
            } else {
                link.peer().close();
            }
        });
        wantedPeers.keySet().forEach(peer -> next.computeIfAbsent(peer, this::openLink));
        links = Map.copyOf(next);
    }

    private Link openLink(Address peer) {
        HostOutbox outbox = new HostOutbox(name, peer.toString(), clusterId, address.toString(), options, counters);
        return new Link(outbox, endpoint.link(peer.toString(), peer, outbox, RaftTransportStub::hostStream,
                rejection -> peerRejected(peer, rejection)));
    }

    private void peerRejected(Address peer, Rejection rejection) {
        if (rejection.getUnknownGroup().isEmpty()) {
            LOG.warn("{}: the host at {} rejects our messages ({}); its log says why", name, peer,
                    rejection.getReason());
            return;
        }
        GroupId group;
        try {
            group = GroupId.of(rejection.getUnknownGroup());
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: the host at {} sent a notice naming an invalid group: {}", name, peer, e.getMessage());
            return;
        }
        counters.unknownAtPeer(group);
        long now = System.nanoTime();
        long last = lastNoticeLog.get();
        if (now - last >= NOTICE_LOG_INTERVAL_NANOS && lastNoticeLog.compareAndSet(last, now)) {
            LOG.warn("{}: the host at {} does not run group {}: it drops that group's messages (start the group "
                    + "there, or remove the member); counted per group in unknownAtPeers(), similar notices in the "
                    + "next 10 s are logged at DEBUG", name, peer, group);
        } else {
            LOG.debug("{}: the host at {} does not run group {}", name, peer, group);
        }
    }

    /** The queues to one peer host and the link that drains them. */
    private record Link(HostOutbox outbox, PeerLink<Batch> peer) {
    }

    /** One group's view: a single node's transport contract, over the host's links. */
    private final class GroupView implements Transport {
        private final GroupId group;
        private final NodeId self;
        private final String viewName;
        private volatile Map<NodeId, Address> peers;
        private volatile Recipient recipient;
        private volatile boolean closed;

        GroupView(GroupId group, Config config) {
            this.group = group;
            this.self = config.self();
            this.viewName = group + "/" + self;
            this.peers = withoutSelf(config.members());
        }

        /**
         * Registers {@code handler} for the group's inbound messages.
         *
         * @throws IOException if the host's certificate cannot be read
         * @throws IllegalArgumentException if TLS checks node ids and the host's certificate does not name this member
         * @throws IllegalStateException if this view was started or closed
         */
        @Override
        public void start(MessageHandler handler) throws IOException {
            Objects.requireNonNull(handler, "handler");
            synchronized (GrpcHostTransport.this) {
                if (closed || recipient != null) {
                    throw new IllegalStateException("transport of group " + group + " was already "
                            + (closed ? "closed" : "started"));
                }
                if (endpoint.verifyNodeId()) {
                    PeerIdentity.requireOwnId(options.tls().get().certChain(), self);
                }
                recipient = new Recipient(viewName, self, id -> peers.containsKey(id), () -> running && !closed,
                        handler, counters, endpoint.rejections());
                updateLinks();
            }
        }

        @Override
        public void updatePeers(Map<NodeId, Address> newPeers) {
            Map<NodeId, Address> next = withoutSelf(Objects.requireNonNull(newPeers, "peers"));
            synchronized (GrpcHostTransport.this) {
                boolean counted = views.get(group) == this;
                if (counted) {
                    want(peers.values(), -1);
                    want(next.values(), 1);
                }
                peers = next;
                updateLinks();
            }
        }

        /**
         * Queues {@code message} on the link to its receiver's host; drops and counts it if the view
         * or host is not running, the receiver is not a peer of this group or the group's queue to
         * that host is full. Never blocks.
         *
         * @throws IllegalArgumentException if {@code message.from()} is not this group's member on this host
         */
        @Override
        public void send(RaftMessage message) {
            if (!message.from().equals(self)) {
                throw new IllegalArgumentException("message from " + message.from() + " sent through the transport of "
                        + viewName);
            }
            if (!running || closed || recipient == null) {
                counters.dropped(DropReason.NOT_RUNNING, 1);
                return;
            }
            Address peer = peers.get(message.to());
            if (peer == null) {
                counters.dropped(DropReason.UNKNOWN_PEER, 1);
                return;
            }
            Link link = links.get(peer);
            if (link == null) { // the host is closing, or the peer was just removed
                counters.dropped(DropReason.NOT_RUNNING, 1);
                return;
            }
            if (link.outbox().offer(group, message)) {
                link.peer().wake();
            }
        }

        @Override
        public long maxMessageBytes() {
            return options.maxMessageBytes();
        }

        /** Unregisters the group: its inbound messages count as unknown from now on. The host's links stay. Idempotent. */
        @Override
        public void close() {
            synchronized (GrpcHostTransport.this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (views.remove(group, this)) {
                    want(peers.values(), -1);
                }
                links.values().forEach(link -> link.outbox().removeGroup(group));
                updateLinks();
            }
        }

        private Map<NodeId, Address> withoutSelf(Map<NodeId, Address> members) {
            Map<NodeId, Address> copy = new HashMap<>(members);
            copy.remove(self);
            return Map.copyOf(copy);
        }
    }
}
