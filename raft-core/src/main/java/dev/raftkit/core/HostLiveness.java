package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.TaskQueue;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which peer hosts answer, so that quiesced groups wake when one stops. A quiesced group sends
 * nothing, so it cannot notice by itself that a peer host crashed or was cut off; instead every
 * host sends each peer host one {@link Heartbeat} every third of the down time below
 * ({@link #HEARTBEATS_PER_DOWN_TIME}; at least the smallest {@code heartbeatIntervalTicks} of its
 * groups) on the reserved group {@link #GROUP} of the host transport, whatever the number of
 * groups. The heartbeat's {@code term} carries the sender's
 * incarnation, drawn when the host starts, so a restart is noticed too.
 *
 * <p>A peer host is down once nothing was heard from it for twice the largest
 * {@code electionTimeoutTicksMin} of the host's groups. While a peer host is down (at every run of
 * the ticker, so a group that quiesced meanwhile wakes too: a peer that this host cannot hear, say
 * behind a proxy that gives it another address, keeps its groups from sleeping), or when it answers
 * with a new incarnation, every group is asked to wake ({@link Group#wakeFor}): its quiesced leader
 * wakes if a member is on that host, its quiesced follower if its leader is. A woken follower
 * campaigns only if its leader stays silent for an election timeout, and a woken leader without a
 * quorum steps down, as without quiescence.
 *
 * <p>The peer hosts are the hosts of every member of every group, recomputed when a group starts or
 * stops and every {@link #REFRESH_TICKS} ticks (configuration changes). Each host is named on the
 * wire by {@link #hostId}. Everything runs on the host's ticker queue: {@link #tick} is called by
 * the {@link HostTicker}, and inbound heartbeats are queued there, so it runs deterministically
 * under a simulator's runtime and owns no thread.
 */
final class HostLiveness implements MessageHandler {

    /** The reserved group of the host transport that carries the liveness heartbeats. */
    static final GroupId GROUP = GroupId.of("raftkit.hosts");
    /** Ticks between two recomputations of the peer hosts, to catch configuration changes. */
    static final int REFRESH_TICKS = 100;
    /**
     * Heartbeats a peer host sends within the time after which it is down: enough that one or two
     * lost ones do not wake groups, few enough that an idle host's liveness traffic stays small
     * (each message costs a few wake-ups of transport and worker threads).
     */
    static final int HEARTBEATS_PER_DOWN_TIME = 3;
    private static final Logger LOG = LoggerFactory.getLogger(HostLiveness.class);
    private static final int MAX_ID_LENGTH = 64;
    /** The most {@link #strangers} tracked. */
    static final int MAX_STRANGERS = 64;

    /** What liveness needs of a group of the host. */
    interface Group {
        /** {@return the addresses of the group's members, this host's included; any thread} */
        Collection<Address> memberAddresses();

        /** {@return the group's {@code heartbeatIntervalTicks}} */
        int heartbeatIntervalTicks();

        /** {@return the group's {@code electionTimeoutTicksMin}} */
        int electionTimeoutTicksMin();

        /**
         * Wakes the group, on its own driver queue, if it is quiesced and depends on the host at
         * {@code host}: as a leader with a member there, or as a follower whose leader is there.
         *
         * @param host the peer host that went down or restarted
         */
        void wakeFor(Address host);

        /**
         * Wakes the group, on its own driver queue, if it is quiesced, whatever it depends on: a
         * peer host this host knows under no member address stopped answering or restarted.
         */
        void wake();
    }

    /** What is known of one peer host; ticker queue only. */
    private static final class Peer {
        /** Where this host sends it heartbeats; null for a {@linkplain #strangers stranger}. */
        final Address address;
        long lastHeardTick;
        /** The incarnation it last announced; 0 before it was heard. */
        long incarnation;
        boolean down;

        Peer(Address address, long now) {
            this.address = address;
            this.lastHeardTick = now;
        }
    }

    private final Address self;
    private final NodeId selfId;
    private final long incarnation;
    private final HostTransport transport;
    private final TaskQueue queue;
    private final Supplier<? extends Collection<? extends Group>> groups;
    /** The peer hosts by {@link #hostId}, in id order (deterministic). */
    private final Map<NodeId, Peer> peers = new TreeMap<>();
    /**
     * Hosts heard under an id that names none of the members' addresses: a host behind a proxy or
     * NAT calls itself by its own listen address, which its peers reach under another. Its silence
     * or restart wakes every quiesced group, as which groups depend on it is unknown. At most
     * {@link #MAX_STRANGERS}, so forged ids cannot grow the map.
     */
    private final Map<NodeId, Peer> strangers = new TreeMap<>();
    private Transport view;
    private volatile boolean groupsChanged = true;
    private volatile boolean silenced;
    private long now;
    private long lastRefresh;
    private long lastHeartbeat;
    private int heartbeatTicks = 2 * Config.DEFAULT_ELECTION_TIMEOUT_TICKS_MIN / HEARTBEATS_PER_DOWN_TIME;
    private int downTicks = 2 * Config.DEFAULT_ELECTION_TIMEOUT_TICKS_MIN;

    /**
     * @param self this host's address
     * @param incarnation this start of the host, in {@code [1, RaftMessage.MAX_TERM]}: a restart draws another
     * @param transport the host transport, started
     * @param queue the ticker's queue, where everything of liveness runs
     * @param groups the running groups of the host; read on the ticker queue
     */
    HostLiveness(Address self, long incarnation, HostTransport transport, TaskQueue queue,
            Supplier<? extends Collection<? extends Group>> groups) {
        this.self = self;
        this.selfId = hostId(self);
        this.incarnation = incarnation;
        this.transport = transport;
        this.queue = queue;
        this.groups = groups;
    }

    /**
     * Opens and starts the reserved group's view of the transport.
     *
     * @throws IOException if the view cannot start
     */
    void start() throws IOException {
        view = transport.group(GROUP, Config.builder(selfId, Map.of(selfId, self)).build());
        view.start(this);
    }

    /** Notes that a group started or stopped: the peer hosts are recomputed at the next tick. */
    void groupsChanged() {
        groupsChanged = true;
    }

    /**
     * Returns the id that names the host at {@code address} in liveness messages: its
     * {@code host_port} with every character outside {@code [A-Za-z0-9._-]} replaced by {@code -},
     * shortened with a checksum of the whole address when longer than a node id may be.
     *
     * @param address a host's address
     * @return its id
     */
    static NodeId hostId(Address address) {
        String text = address.host() + "_" + address.port();
        StringBuilder id = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean valid = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.'
                    || c == '_' || c == '-';
            id.append(valid ? c : '-');
        }
        if (id.length() > MAX_ID_LENGTH) {
            CRC32C crc = new CRC32C();
            crc.update(text.getBytes(StandardCharsets.UTF_8));
            String sum = "-" + Long.toHexString(crc.getValue());
            id.setLength(MAX_ID_LENGTH - sum.length());
            id.append(sum);
        }
        return NodeId.of(id.toString());
    }

    /**
     * Stops sending heartbeats, for good: a closing host calls it before it stops its groups, so
     * its peers wake the groups it led while it closes them rather than after.
     */
    void silence() {
        silenced = true;
    }

    /**
     * Advances the host's clock: refreshes the peers if due, heartbeats if due, finds hosts gone down.
     *
     * @param elapsed the ticks since the last call ({@link HostTicker} runs less often while every group is quiescent)
     */
    void tick(int elapsed) {
        now += elapsed;
        if (silenced) {
            return;
        }
        if (groupsChanged || now - lastRefresh >= REFRESH_TICKS) {
            refresh();
        }
        if (now - lastHeartbeat >= heartbeatTicks) {
            lastHeartbeat = now;
            peers.keySet().forEach(id -> view.send(new Heartbeat(selfId, id, incarnation, 0, 0)));
        }
        peers.forEach((id, peer) -> {
            if (silent(id, peer)) {
                wake(peer); // on every run while down: a group that quiesced since must not stay asleep
            }
        });
        strangers.forEach((id, peer) -> {
            boolean wasDown = peer.down;
            if (silent(id, peer) && !wasDown) {
                wake(peer); // once: a stranger's silence wakes every group
            }
        });
    }

    /** {@return whether {@code peer} is down (silent for the down time), marking it so and logging the change} */
    private boolean silent(NodeId id, Peer peer) {
        if (now - peer.lastHeardTick <= downTicks) {
            return false;
        }
        if (!peer.down) {
            peer.down = true;
            LOG.info("host {}: peer host {} silent for {} ticks: waking the groups that depend on it", self, id,
                    downTicks);
        }
        return true;
    }

    @Override
    public void onMessage(RaftMessage message) {
        if (message instanceof Heartbeat heartbeat) {
            queue.execute(() -> heardFrom(heartbeat.from(), heartbeat.term()));
        }
    }

    @Override
    public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
        onMessage(message);
    }

    private void heardFrom(NodeId id, long peerIncarnation) {
        Peer peer = peers.get(id);
        if (peer == null) {
            peer = strangers.get(id);
        }
        if (peer == null) {
            if (strangers.size() >= MAX_STRANGERS) {
                return;
            }
            peer = new Peer(null, now);
            strangers.put(id, peer);
        }
        peer.lastHeardTick = now;
        peer.down = false;
        long before = peer.incarnation;
        peer.incarnation = peerIncarnation;
        if (before != 0 && before != peerIncarnation) {
            LOG.info("host {}: peer host {} restarted: waking the groups that depend on it", self, id);
            wake(peer);
        }
    }

    /** Wakes the groups that depend on {@code peer}: all quiesced ones if it is a stranger. */
    private void wake(Peer peer) {
        for (Group group : groups.get()) {
            if (peer.address == null) {
                group.wake();
            } else {
                group.wakeFor(peer.address);
            }
        }
    }

    /** Recomputes the peer hosts and the timings from the running groups. */
    private void refresh() {
        groupsChanged = false;
        lastRefresh = now;
        Map<NodeId, Peer> current = new TreeMap<>();
        Set<Address> seen = new HashSet<>();
        int heartbeat = Integer.MAX_VALUE;
        int electionMin = 0;
        for (Group group : groups.get()) {
            heartbeat = Math.min(heartbeat, group.heartbeatIntervalTicks());
            electionMin = Math.max(electionMin, group.electionTimeoutTicksMin());
            for (Address address : group.memberAddresses()) {
                if (!address.equals(self) && seen.add(address)) {
                    NodeId id = hostId(address);
                    Peer known = peers.get(id);
                    current.put(id, known != null ? known : new Peer(address, now));
                }
            }
        }
        if (heartbeat != Integer.MAX_VALUE) {
            downTicks = Math.max(2 * electionMin, 2 * heartbeat + 1);
            heartbeatTicks = Math.max(heartbeat, downTicks / HEARTBEATS_PER_DOWN_TIME);
        }
        if (!current.keySet().equals(peers.keySet())) {
            peers.clear();
            peers.putAll(current);
            Map<NodeId, Address> addresses = new TreeMap<>();
            peers.forEach((id, peer) -> addresses.put(id, peer.address));
            view.updatePeers(addresses);
        }
        strangers.keySet().removeAll(peers.keySet()); // heard before its groups named it
    }
}
