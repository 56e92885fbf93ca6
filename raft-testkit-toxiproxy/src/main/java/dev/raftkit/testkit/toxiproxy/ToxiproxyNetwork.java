package dev.raftkit.testkit.toxiproxy;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Toxiproxy proxy in front of every directed link of a cluster, and network faults by intent.
 *
 * <p><b>Links.</b> For every ordered pair of nodes (A, B) there is a proxy "A to B": node A is
 * configured to reach B at that proxy ({@link #membersFor}), which forwards to B's real address. A
 * TCP connection that A opens to B through it carries A's bytes to B on its <i>upstream</i> stream and
 * B's bytes to A on its <i>downstream</i> stream.
 *
 * <p><b>Flows.</b> Faults are stated on flows: "bytes from X reach Y". Whichever side opened the
 * connection, the flow X to Y travels on the upstream stream of proxy X-to-Y or on the downstream
 * stream of proxy Y-to-X, so every fault on the flow X to Y puts its toxic on both of those. Hence
 * {@link #oneWay(NodeId, NodeId)} really is one-way whichever node dials, and a request/response
 * transport sees exactly the blocked direction.
 *
 * <p><b>Cuts are silent.</b> A cut flow drops its bytes and holds the connection open (Toxiproxy's
 * {@code timeout} toxic with timeout 0), as a real partition does, rather than resetting connections.
 * Healing removes the toxics; Toxiproxy then closes the connections whose bytes were dropped, so
 * transports reconnect on clean streams.
 *
 * <p>Faults add up: each call adds toxics and returns a {@link NetworkFault} that removes just its
 * own; {@link #heal()} removes all. Thread-safe; every call is a few HTTP requests to Toxiproxy and
 * throws {@link UncheckedIOException} if it cannot be reached.
 */
public final class ToxiproxyNetwork implements AutoCloseable {

    private static final int MAX_FLAP_CYCLES = 1_000;
    private static final Duration MAX_FLAP_PHASE = Duration.ofMinutes(1);

    /** A directed link: the proxy that {@code from} uses to reach {@code to}. */
    private record Link(NodeId from, NodeId to) {
        String proxyName() {
            return "raftkit-" + from + "-to-" + to;
        }
    }

    private final ToxiproxyEndpoint endpoint;
    private final Map<NodeId, Address> nodes;
    private final Map<Link, Proxy> proxies;
    private final List<NetworkFault> active = new ArrayList<>();
    private final AtomicLong toxicSequence = new AtomicLong();

    private ToxiproxyNetwork(ToxiproxyEndpoint endpoint, Map<NodeId, Address> nodes, Map<Link, Proxy> proxies) {
        this.endpoint = endpoint;
        this.nodes = nodes;
        this.proxies = proxies;
    }

    /**
     * Creates one proxy per directed link of the cluster.
     *
     * @param endpoint the Toxiproxy to use
     * @param nodes every node's real address on this machine; at least two nodes
     * @return the network, with no fault
     * @throws IllegalArgumentException if there are fewer than two nodes, or more links than the
     *     endpoint can publish
     * @throws UncheckedIOException if a proxy cannot be created
     */
    public static ToxiproxyNetwork create(ToxiproxyEndpoint endpoint, Map<NodeId, Address> nodes) {
        if (nodes.size() < 2) {
            throw new IllegalArgumentException("a network needs at least two nodes, got " + nodes.keySet());
        }
        long links = (long) nodes.size() * (nodes.size() - 1);
        if (links > endpoint.proxyCapacity()) {
            throw new IllegalArgumentException(nodes.size() + " nodes need " + links
                    + " proxies, but this Toxiproxy publishes only " + endpoint.proxyCapacity());
        }
        Map<NodeId, Address> sorted = new TreeMap<>(nodes);
        Map<Link, Proxy> proxies = new LinkedHashMap<>();
        int slot = 0;
        try {
            for (NodeId from : sorted.keySet()) {
                for (NodeId to : sorted.keySet()) {
                    if (!from.equals(to)) {
                        Link link = new Link(from, to);
                        proxies.put(link, endpoint.client().createProxy(link.proxyName(),
                                endpoint.listenAddress(slot++), endpoint.upstreamFor(sorted.get(to))));
                    }
                }
            }
        } catch (IOException e) {
            deleteQuietly(proxies.values());
            throw new UncheckedIOException("cannot create the proxies of the network " + sorted.keySet(), e);
        }
        return new ToxiproxyNetwork(endpoint, Map.copyOf(sorted), proxies);
    }

    /** {@return the nodes, in id order} */
    public Set<NodeId> nodes() {
        return new TreeSet<>(nodes.keySet());
    }

    /**
     * Returns the members map to configure {@code node} with: its own real address, and for every
     * peer the address of the proxy from {@code node} to that peer.
     *
     * @param node the node
     * @return the node's members map: its own address, and for each peer the proxy to it
     * @throws IllegalArgumentException if the node is unknown
     */
    public Map<NodeId, Address> membersFor(NodeId node) {
        requireNode(node);
        Map<NodeId, Address> members = new TreeMap<>();
        for (NodeId other : nodes.keySet()) {
            members.put(other, other.equals(node) ? nodes.get(node) : proxyAddress(node, other));
        }
        return members;
    }

    /**
     * Returns where {@code from} reaches {@code to}: the proxy of that directed link.
     *
     * @param from the node that dials
     * @param to the node it reaches
     * @return where {@code from} reaches {@code to}: the proxy of that directed link
     * @throws IllegalArgumentException if a node is unknown or both are the same
     */
    public Address proxyAddress(NodeId from, NodeId to) {
        return endpoint.reachableAddress(proxy(from, to).getListen());
    }

    /**
     * Cuts every flow between the two groups, both ways; flows within each group are untouched.
     *
     * @param side the nodes on one side
     * @param otherSide the nodes on the other side
     * @return the fault, which heals just its own toxics
     * @throws IllegalArgumentException if a group is empty, they overlap or name an unknown node
     */
    public NetworkFault partition(Collection<NodeId> side, Collection<NodeId> otherSide) {
        Set<NodeId> a = group(side, "side");
        Set<NodeId> b = group(otherSide, "otherSide");
        return cutBetween("partition " + a + " | " + b, a, b);
    }

    /**
     * Cuts every flow to and from the node.
     *
     * @param node the node
     * @return the fault, which heals just its own toxics
     */
    public NetworkFault isolate(NodeId node) {
        requireNode(node);
        Set<NodeId> others = nodes();
        others.remove(node);
        return partition(Set.of(node), others);
    }

    /**
     * Cuts the flow from {@code from} to {@code to} only: {@code to} no longer receives anything
     * {@code from} sends, while {@code from} still receives from {@code to}.
     *
     * @param from the node whose bytes are affected
     * @param to the node they go to
     * @return the fault, which heals just its own toxics
     */
    public NetworkFault oneWay(NodeId from, NodeId to) {
        proxy(from, to);
        return cut("one-way " + from + " -/-> " + to, List.of(new Link(from, to)));
    }

    /**
     * Splits the cluster into two sides that both still talk to a bridge node: every flow between
     * {@code left} and {@code right} is cut; the bridge keeps all its links.
     *
     * @param left the nodes on one side
     * @param bridge the node that reaches both sides
     * @param right the nodes on the other side
     * @return the fault, which heals just its own toxics
     * @throws IllegalArgumentException if the sides are empty, overlap, or contain the bridge
     */
    public NetworkFault bridge(Collection<NodeId> left, NodeId bridge, Collection<NodeId> right) {
        requireNode(bridge);
        if (left.contains(bridge) || right.contains(bridge)) {
            throw new IllegalArgumentException("the bridge " + bridge + " must be on neither side");
        }
        Set<NodeId> a = group(left, "left");
        Set<NodeId> b = group(right, "right");
        return cutBetween("bridge " + a + " <- " + bridge + " -> " + b, a, b);
    }

    /**
     * Delays every byte to and from the node by {@code latency} plus or minus {@code jitter}; a round
     * trip with it is delayed twice.
     *
     * @param node the node
     * @param latency the added delay
     * @param jitter the random variation of the delay, plus or minus
     * @return the fault, which heals just its own toxics
     */
    public NetworkFault latency(NodeId node, Duration latency, Duration jitter) {
        return latency("latency " + node, flowsOf(node), latency, jitter);
    }

    /**
     * Delays every byte from {@code from} to {@code to} by {@code latency} plus or minus {@code jitter}.
     *
     * @param from the node whose bytes are affected
     * @param to the node they go to
     * @param latency the added delay
     * @param jitter the random variation of the delay, plus or minus
     * @return the fault, which heals just its own toxics
     */
    public NetworkFault latency(NodeId from, NodeId to, Duration latency, Duration jitter) {
        proxy(from, to);
        return latency("latency " + from + " -> " + to, List.of(new Link(from, to)), latency, jitter);
    }

    /**
     * Limits every flow to and from the node to {@code kilobytesPerSecond} (1 KB = 1000 bytes).
     *
     * @param node the node
     * @param kilobytesPerSecond the rate limit, in KB/s
     * @return the fault, which heals just its own toxics
     */
    public NetworkFault bandwidth(NodeId node, long kilobytesPerSecond) {
        return bandwidth("bandwidth " + node, flowsOf(node), kilobytesPerSecond);
    }

    /**
     * Limits the flow from {@code from} to {@code to} to {@code kilobytesPerSecond}.
     *
     * @param from the node whose bytes are affected
     * @param to the node they go to
     * @param kilobytesPerSecond the rate limit, in KB/s
     * @return the fault, which heals just its own toxics
     */
    public NetworkFault bandwidth(NodeId from, NodeId to, long kilobytesPerSecond) {
        proxy(from, to);
        return bandwidth("bandwidth " + from + " -> " + to, List.of(new Link(from, to)), kilobytesPerSecond);
    }

    /**
     * Resets (TCP RST) every connection to or from the node once data flows on it, {@code after} the
     * data arrives, until the fault is healed.
     *
     * @param node the node
     * @param after how long the connections live before they are reset
     * @return the fault, which heals just its own toxics
     */
    public NetworkFault resetPeer(NodeId node, Duration after) {
        return resetPeer("reset " + node, flowsOf(node), after);
    }

    /**
     * Resets every connection between {@code a} and {@code b}, either way, {@code after} data arrives.
     *
     * @param a one node
     * @param b the other node
     * @param after how long the connections live before they are reset
     * @return the fault, which heals just its own toxics
     */
    public NetworkFault resetPeer(NodeId a, NodeId b, Duration after) {
        proxy(a, b);
        return resetPeer("reset " + a + " <-> " + b, List.of(new Link(a, b), new Link(b, a)), after);
    }

    /**
     * Isolates the node for {@code down}, then restores it for {@code up}, {@code cycles} times;
     * returns when done, with the node's links as before.
     *
     * @param cycles 1 to 1000
     * @param node the node
     * @param down how long each cut lasts
     * @param up how long each healed phase lasts
     * @throws IllegalArgumentException if a duration is not positive or longer than a minute, or cycles is out of range
     * @throws InterruptedException if interrupted; the node's isolation is healed first
     */
    public void flap(NodeId node, Duration down, Duration up, int cycles) throws InterruptedException {
        requireNode(node);
        if (cycles < 1 || cycles > MAX_FLAP_CYCLES) {
            throw new IllegalArgumentException("cycles must be 1.." + MAX_FLAP_CYCLES + ", got " + cycles);
        }
        requirePhase(down, "down");
        requirePhase(up, "up");
        for (int i = 0; i < cycles; i++) {
            NetworkFault isolation = isolate(node);
            try {
                Thread.sleep(down.toMillis());
            } finally {
                isolation.heal();
            }
            Thread.sleep(up.toMillis());
        }
    }

    /**
     * Returns the faults in place, oldest first.
     *
     * @return the faults in place, oldest first
     */
    public synchronized List<NetworkFault> activeFaults() {
        return List.copyOf(active);
    }

    /** Removes every fault this network placed. */
    public void heal() {
        for (NetworkFault fault : activeFaults()) {
            fault.heal();
        }
    }

    /** Deletes every proxy of the network, closing their connections. */
    @Override
    public void close() {
        synchronized (this) {
            active.clear();
        }
        deleteQuietly(proxies.values());
    }

    // ---- placing toxics ----

    /** The proxy and stream that carry a flow's bytes on connections the sender or the receiver opened. */
    private List<Placement> placements(Link flow) {
        return List.of(new Placement(proxy(flow.from(), flow.to()), ToxicDirection.UPSTREAM),
                new Placement(proxy(flow.to(), flow.from()), ToxicDirection.DOWNSTREAM));
    }

    private record Placement(Proxy proxy, ToxicDirection stream) {
    }

    /** Creates one toxic on one proxy stream. */
    private interface ToxicMaker {
        Toxic make(Proxy proxy, String name, ToxicDirection stream) throws IOException;
    }

    private NetworkFault cutBetween(String description, Set<NodeId> a, Set<NodeId> b) {
        requireDisjoint(a, b);
        List<Link> flows = new ArrayList<>();
        for (NodeId x : a) {
            for (NodeId y : b) {
                flows.add(new Link(x, y));
                flows.add(new Link(y, x));
            }
        }
        return cut(description, flows);
    }

    private NetworkFault cut(String description, List<Link> flows) {
        return place(description, flows, "cut", (p, name, stream) -> p.toxics().timeout(name, stream, 0));
    }

    private NetworkFault latency(String description, List<Link> flows, Duration latency, Duration jitter) {
        long ms = nonNegativeMillis(latency, "latency");
        long jitterMs = nonNegativeMillis(jitter, "jitter");
        return place(description + " " + ms + "ms +/- " + jitterMs + "ms", flows, "latency",
                (p, name, stream) -> p.toxics().latency(name, stream, ms).setJitter(jitterMs));
    }

    private NetworkFault bandwidth(String description, List<Link> flows, long kilobytesPerSecond) {
        if (kilobytesPerSecond < 1) {
            throw new IllegalArgumentException("bandwidth must be at least 1 KB/s, got " + kilobytesPerSecond);
        }
        return place(description + " " + kilobytesPerSecond + "KB/s", flows, "bandwidth",
                (p, name, stream) -> p.toxics().bandwidth(name, stream, kilobytesPerSecond));
    }

    private NetworkFault resetPeer(String description, List<Link> flows, Duration after) {
        long ms = nonNegativeMillis(after, "after");
        return place(description + " after " + ms + "ms", flows, "reset",
                (p, name, stream) -> p.toxics().resetPeer(name, stream, ms));
    }

    private NetworkFault place(String description, List<Link> flows, String kind, ToxicMaker maker) {
        String name = "raftkit-" + kind + "-" + toxicSequence.incrementAndGet();
        List<NetworkFault.PlacedToxic> placed = new ArrayList<>();
        try {
            for (Link flow : flows) {
                for (Placement placement : placements(flow)) {
                    // Each flow has its own proxy stream, so one name per stream is unique per proxy.
                    String toxicName = name + "-" + placement.stream().name().toLowerCase(Locale.ROOT);
                    placed.add(new NetworkFault.PlacedToxic(placement.proxy().getName(),
                            maker.make(placement.proxy(), toxicName, placement.stream())));
                }
            }
        } catch (IOException e) {
            new NetworkFault(description, placed, f -> { }).heal();
            throw new UncheckedIOException("cannot apply " + description, e);
        }
        NetworkFault fault = new NetworkFault(description, placed, this::forget);
        synchronized (this) {
            active.add(fault);
        }
        return fault;
    }

    private synchronized void forget(NetworkFault fault) {
        active.remove(fault);
    }

    // ---- validation ----

    private List<Link> flowsOf(NodeId node) {
        requireNode(node);
        List<Link> flows = new ArrayList<>();
        for (NodeId other : nodes.keySet()) {
            if (!other.equals(node)) {
                flows.add(new Link(node, other));
                flows.add(new Link(other, node));
            }
        }
        return flows;
    }

    private Proxy proxy(NodeId from, NodeId to) {
        requireNode(from);
        requireNode(to);
        if (from.equals(to)) {
            throw new IllegalArgumentException("a link joins two different nodes, got " + from + " twice");
        }
        return proxies.get(new Link(from, to));
    }

    private void requireNode(NodeId node) {
        if (!nodes.containsKey(node)) {
            throw new IllegalArgumentException("unknown node " + node + "; the network has " + nodes());
        }
    }

    private Set<NodeId> group(Collection<NodeId> members, String name) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException(name + " must name at least one node");
        }
        members.forEach(this::requireNode);
        return new TreeSet<>(members);
    }

    private static void requireDisjoint(Set<NodeId> a, Set<NodeId> b) {
        Set<NodeId> both = new TreeSet<>(a);
        both.retainAll(b);
        if (!both.isEmpty()) {
            throw new IllegalArgumentException("a node cannot be on both sides of a partition: " + both);
        }
    }

    private static long nonNegativeMillis(Duration duration, String name) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + duration);
        }
        return duration.toMillis();
    }

    private static void requirePhase(Duration phase, String name) {
        if (phase.isNegative() || phase.isZero() || phase.compareTo(MAX_FLAP_PHASE) > 0) {
            throw new IllegalArgumentException(name + " must be positive and at most " + MAX_FLAP_PHASE + ", got " + phase);
        }
    }

    private static void deleteQuietly(Collection<Proxy> proxies) {
        for (Proxy proxy : proxies) {
            try {
                proxy.delete();
            } catch (IOException e) {
                // already gone, or Toxiproxy stopped: nothing left to delete
            }
        }
    }
}
