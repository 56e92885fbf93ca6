package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.core.protocol.RaftCore;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.TaskQueue;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which peer hosts answer, so that quiesced groups wake when one stops. A quiesced group sends
 * nothing, so it cannot notice by itself that a peer host crashed or was cut off; instead every
 * host sends each peer host one liveness heartbeat ({@link Heartbeat#liveness}) every third of the
 * down time below ({@link #HEARTBEATS_PER_DOWN_TIME}; at least the smallest
 * {@code heartbeatIntervalTicks} of its groups), whatever the number of groups. It goes on the
 * group with the smallest id that has a member on that host, from this host's member to that one,
 * and carries this host's incarnation, drawn when the host starts, so a restart is noticed too.
 *
 * <p>Hosts are known by the addresses of the groups' members, and a peer names the sender of a
 * liveness heartbeat by the address its own configuration of that group gives the sending member
 * ({@link LivenessFilter}): never by an address the sender gives for itself, which a proxy or NAT
 * between them would make another.
 *
 * <p>A peer host is down once nothing was heard from it for twice the largest
 * {@code electionTimeoutTicksMin} of the host's groups: neither a liveness heartbeat nor any
 * message of a group ({@link #traffic}), since a host busy with its groups (elections after a
 * failover, say, on a loaded machine) may send its heartbeats late, and taking it for down would
 * wake every group that depends on it, making more work still. While a peer host is down (at every run of
 * the ticker, so a group that quiesced meanwhile wakes too), or when it answers with a new
 * incarnation, every group is asked to wake ({@link Group#wakeFor}): its quiesced follower wakes if
 * its leader is on that host, its quiesced leader if it has a member there that restarted, or if
 * the members on hosts that are not down are no longer a majority ({@link PeerHostChange}). A
 * follower woken for its leader's silent host starts past the leader's lease, and the survivor
 * every member picks campaigns first ({@link RaftCore#wakeLeaderLost}); one woken for a restart
 * campaigns only if its leader stays silent for an election timeout; a woken leader without a
 * quorum steps down, as without quiescence. A peer that does not run the group the heartbeats go
 * on does not hear them and keeps the groups that depend on this host awake: never asleep when
 * they should not be.
 *
 * <p>The peer hosts are the addresses of every member of every group, recomputed when a group
 * starts or stops and every {@link #REFRESH_TICKS} ticks (configuration changes). Everything but
 * {@link #heard} runs on the host's ticker queue: {@link #tick} is called by the
 * {@link HostTicker}, and heard hosts are queued there (hosts that sent other messages are
 * collected in a concurrent set the next tick takes), so it runs deterministically under a
 * simulator's runtime and owns no thread.
 */
final class HostLiveness implements LivenessFilter.Sink {

    /** Ticks between two recomputations of the peer hosts, to catch configuration changes. */
    static final int REFRESH_TICKS = 100;
    /**
     * Heartbeats a peer host sends within the time after which it is down: enough that one or two
     * lost ones do not wake groups, few enough that an idle host's liveness traffic stays small
     * (each message costs a few wake-ups of transport and worker threads).
     */
    static final int HEARTBEATS_PER_DOWN_TIME = 3;
    private static final Logger LOG = LoggerFactory.getLogger(HostLiveness.class);
    /** Addresses in a deterministic order, so a simulated host sends in the same order every run. */
    private static final Comparator<Address> ADDRESS_ORDER = Comparator.comparing(Address::host)
            .thenComparingInt(Address::port);

    /** What liveness needs of a group of the host. */
    interface Group {
        /** {@return this host's member of the group} */
        NodeId self();

        /** {@return the group's configuration in force, this host's member included; any thread, without copying} */
        Membership membership();

        /** {@return the group's {@code heartbeatIntervalTicks}} */
        int heartbeatIntervalTicks();

        /** {@return the group's {@code electionTimeoutTicksMin}} */
        int electionTimeoutTicksMin();

        /**
         * Wakes the group, on its own driver queue, if it is quiesced and {@code change} concerns
         * it ({@link PeerHostChange#wakes}).
         *
         * @param change the peer host that went down or restarted
         * @param groupHash the hash of the group's id, the same on every member (see
         *     {@link RaftCore#wakeLeaderLost})
         */
        void wakeFor(PeerHostChange change, int groupHash);

        /**
         * Sends a liveness heartbeat on the group's transport; any thread, never blocks.
         *
         * @param heartbeat the heartbeat, from {@link #self()} to a member of the group
         */
        void sendLiveness(Heartbeat heartbeat);
    }

    /** What is known of one peer host; ticker queue only. */
    private static final class Peer {
        long lastHeardTick;
        /** The incarnation it last announced; 0 before it was heard. */
        long incarnation;
        boolean down;
        /** The group the heartbeats to it go on, and its member there; set by {@link #refresh}. */
        Group route;
        NodeId member;

        Peer(long now) {
            this.lastHeardTick = now;
        }

        /** It was heard at tick {@code now}. */
        void up(long now) {
            lastHeardTick = now;
            down = false;
        }
    }

    private final Address self;
    private final long incarnation;
    private final TaskQueue queue;
    private final Supplier<? extends SortedMap<GroupId, ? extends Group>> groups;
    /** The peer hosts by address, in {@link #ADDRESS_ORDER}. */
    private final SortedMap<Address, Peer> peers = new TreeMap<>(ADDRESS_ORDER);
    /** The hosts whose groups sent messages since the last tick; any thread adds, the tick takes. */
    private final Set<Address> trafficFrom = ConcurrentHashMap.newKeySet();
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
     * @param queue the ticker's queue, where everything of liveness runs
     * @param groups the running groups of the host in id order; read on the ticker queue
     */
    HostLiveness(Address self, long incarnation, TaskQueue queue,
            Supplier<? extends SortedMap<GroupId, ? extends Group>> groups) {
        this.self = self;
        this.incarnation = incarnation;
        this.queue = queue;
        this.groups = groups;
    }

    /** Notes that a group started or stopped: the peer hosts are recomputed at the next tick. */
    void groupsChanged() {
        groupsChanged = true;
    }

    /**
     * Stops sending heartbeats, for good: a closing host calls it before it stops its groups, so
     * its peers wake the groups it led while it closes them rather than after.
     */
    void silence() {
        silenced = true;
    }

    /**
     * Notes a liveness heartbeat from the host at {@code host}; any thread (a group's
     * {@link LivenessFilter} calls it), handled on the ticker queue.
     *
     * @param host the sending member's address, as the receiving group's configuration gives it
     * @param peerIncarnation the sending host's incarnation
     */
    @Override
    public void heard(Address host, long peerIncarnation) {
        queue.execute(() -> heardFrom(host, peerIncarnation));
    }

    /**
     * Notes a message of a group from the host at {@code host}: it is up. Any thread; adds to a
     * set, rather than queueing a task, since it runs for every message.
     *
     * @param host the sending member's address, as the receiving group's configuration gives it
     */
    @Override
    public void traffic(Address host) {
        if (!trafficFrom.contains(host)) {
            trafficFrom.add(host);
        }
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
        for (Iterator<Address> it = trafficFrom.iterator(); it.hasNext(); ) {
            Peer peer = peers.get(it.next());
            it.remove();
            if (peer != null) {
                peer.up(now);
            }
        }
        if (now - lastHeartbeat >= heartbeatTicks) {
            lastHeartbeat = now;
            peers.values().forEach(peer -> peer.route.sendLiveness(
                    Heartbeat.liveness(peer.route.self(), peer.member, incarnation)));
        }
        peers.forEach(this::silent);
        Set<Address> down = down();
        // On every run while down: a group that quiesced since must not stay asleep.
        down.forEach(address -> wake(new PeerHostChange(address, false, down)));
    }

    /** Marks {@code peer} down if it was silent for the down time, logging the change. */
    private void silent(Address address, Peer peer) {
        if (now - peer.lastHeardTick > downTicks && !peer.down) {
            peer.down = true;
            LOG.info("host {}: peer host {} silent for {} ticks: waking the groups that depend on it", self, address,
                    downTicks);
        }
    }

    /** {@return the peer hosts that are down} */
    private Set<Address> down() {
        Set<Address> down = new HashSet<>();
        peers.forEach((address, peer) -> {
            if (peer.down) {
                down.add(address);
            }
        });
        return down;
    }

    private void heardFrom(Address host, long peerIncarnation) {
        Peer peer = peers.get(host);
        if (peer == null) {
            return; // a member of a configuration this host has not refreshed from yet
        }
        peer.up(now);
        long before = peer.incarnation;
        peer.incarnation = peerIncarnation;
        if (before != 0 && before != peerIncarnation) {
            LOG.info("host {}: peer host {} restarted: waking the groups that depend on it", self, host);
            wake(new PeerHostChange(host, true, down()));
        }
    }

    private void wake(PeerHostChange change) {
        groups.get().forEach((id, group) -> group.wakeFor(change, id.value().hashCode()));
    }

    /** Recomputes the peer hosts, the group each is reached on, and the timings, from the running groups. */
    private void refresh() {
        groupsChanged = false;
        lastRefresh = now;
        SortedMap<Address, Peer> current = new TreeMap<>(ADDRESS_ORDER);
        int heartbeat = Integer.MAX_VALUE;
        int electionMin = 0;
        for (Group group : groups.get().values()) { // in id order: the route is the smallest
            heartbeat = Math.min(heartbeat, group.heartbeatIntervalTicks());
            electionMin = Math.max(electionMin, group.electionTimeoutTicksMin());
            Membership membership = group.membership();
            addRoutes(group, membership.voters(), current);
            addRoutes(group, membership.learners(), current);
        }
        if (heartbeat != Integer.MAX_VALUE) {
            downTicks = Math.max(2 * electionMin, 2 * heartbeat + 1);
            heartbeatTicks = Math.max(heartbeat, downTicks / HEARTBEATS_PER_DOWN_TIME);
        }
        peers.clear();
        peers.putAll(current);
    }

    /** Adds to {@code current} the peer hosts of {@code members} it lacks, reached on {@code group}. */
    private void addRoutes(Group group, Map<NodeId, Address> members, SortedMap<Address, Peer> current) {
        for (Map.Entry<NodeId, Address> m : members.entrySet()) {
            Address address = m.getValue();
            if (m.getKey().equals(group.self()) || address.equals(self) || current.containsKey(address)) {
                continue;
            }
            Peer peer = peers.get(address);
            if (peer == null) {
                peer = new Peer(now);
            }
            peer.route = group;
            peer.member = m.getKey();
            current.put(address, peer);
        }
    }
}
