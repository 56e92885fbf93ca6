package dev.raftkit.testkit.memory;

import dev.raftkit.Address;
import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.spi.RaftMessage;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hub through which the {@link MemoryTransport}s of one JVM exchange messages by {@link Address},
 * with fault injection: random loss, delay (and so reordering), duplication, partitions of any
 * shape, one-way link loss and isolation of single nodes.
 *
 * <h2>Determinism</h2>
 * Every random draw comes from the {@link RandomGenerator} given to the constructor, and every
 * delivery goes through the {@link DeliveryScheduler}; with both driven by one single-threaded
 * virtual-time loop, the same seed gives the same deliveries in the same order.
 * {@link #shared()} is the JVM-wide instance the {@code memory} provider uses, on a daemon thread
 * and real time.
 *
 * <h2>Faults</h2>
 * Link faults ({@link #partition}, {@link #block}, {@link #isolate}) are keyed by node id (the
 * message's sender and receiver); the host faults ({@link #partitionHosts}, {@link #blockHost},
 * {@link #isolateHost}) are keyed by the sending and receiving transport's address, so a fault of
 * a {@link MemoryHostTransport}'s address hits every group of that host. Both are checked when a
 * message is sent and again when it is delivered, so a message in flight across a link that is cut
 * meanwhile is lost, as on a real network. {@link #heal()} removes link faults of both kinds; the
 * probabilistic faults stay until set back to zero. With no fault configured, and a fixed delay,
 * each link is first-in first-out.
 *
 * <h2>Threading</h2>
 * Thread-safe: sends, fault changes and deliveries may come from any thread. Fault decisions are
 * made under one lock, so concurrent senders see a consistent fault state.
 */
public final class MemoryNetwork {

    /** Why the network did not deliver a message; see {@link #dropped(DropReason)}. */
    public enum DropReason {
        /** The sender's address was not attached (never started, closed or {@link #detach detached}). */
        SENDER_DETACHED,
        /** No transport was attached at the destination address when the message arrived. */
        NO_RECEIVER,
        /** A partition, a blocked link or an isolated node cut the link. */
        LINK_CUT,
        /** Random loss, see {@link #dropProbability(double)}. */
        RANDOM_LOSS
    }

    private static final Logger LOG = LoggerFactory.getLogger(MemoryNetwork.class);

    private final DeliveryScheduler scheduler;
    private final RandomGenerator random;
    private final Map<Address, Endpoint> attached = new HashMap<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong duplicated = new AtomicLong();
    private final Map<DropReason, AtomicLong> dropped = new EnumMap<>(DropReason.class);

    private double dropProbability;
    private double duplicateProbability;
    private long minDelayNanos;
    private long maxDelayNanos;
    private final LinkFaults<NodeId> nodeFaults = new LinkFaults<>();
    private final LinkFaults<Address> hostFaults = new LinkFaults<>();

    /**
     * Creates a network with no faults.
     *
     * @param scheduler runs deliveries after their delay
     * @param random the source of every random fault decision
     */
    public MemoryNetwork(DeliveryScheduler scheduler, RandomGenerator random) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.random = Objects.requireNonNull(random, "random");
        for (DropReason reason : DropReason.values()) {
            dropped.put(reason, new AtomicLong());
        }
    }

    /**
     * Returns the JVM-wide network that the {@code memory} transport provider uses: deliveries run
     * on one daemon thread, {@code raftkit-memory-network}, in real time. Faults set on it affect
     * every node of the JVM that uses the provider.
     *
     * @return the JVM-wide network of the {@code memory} transport provider
     */
    public static MemoryNetwork shared() {
        return SharedHolder.INSTANCE;
    }

    /**
     * Sets the probability that a message is lost. Default 0.
     *
     * @param probability in {@code [0, 1]}
     */
    public synchronized void dropProbability(double probability) {
        this.dropProbability = probability("dropProbability", probability);
    }

    /**
     * Sets the probability that a message is delivered twice (each copy with its own delay).
     * Default 0.
     *
     * @param probability in {@code [0, 1]}
     */
    public synchronized void duplicateProbability(double probability) {
        this.duplicateProbability = probability("duplicateProbability", probability);
    }

    /**
     * Sets the delay of every message, drawn uniformly from {@code [min, max]}. Default 0. A range
     * wider than zero reorders messages of one link.
     *
     * @param min the shortest delay, 0 or more
     * @param max the longest delay, at least {@code min}
     */
    public synchronized void delay(Duration min, Duration max) {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        if (min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("delay: need 0 <= min <= max, were " + min + " and " + max);
        }
        this.minDelayNanos = min.toNanos();
        this.maxDelayNanos = max.toNanos();
    }

    /**
     * Splits the nodes into groups: two nodes can exchange messages only if some group holds both.
     * Groups may overlap (a node in two groups bridges them one hop each way). Nodes named in no
     * group form one more group of their own. Replaces the previous partition.
     *
     * @param groups the groups, at least one
     */
    @SafeVarargs
    public final synchronized void partition(Set<NodeId>... groups) {
        nodeFaults.partition("node ids", List.of(groups));
    }

    /**
     * Cuts the one-way link from {@code from} to {@code to}; the other direction still works.
     *
     * @param from the sender whose messages to {@code to} are lost
     * @param to the receiver
     */
    public synchronized void block(NodeId from, NodeId to) {
        nodeFaults.block(from, to);
    }

    /**
     * Cuts every link to and from {@code node}.
     *
     * @param node the node to isolate
     */
    public synchronized void isolate(NodeId node) {
        nodeFaults.isolate(node);
    }

    /**
     * Splits the transports by address, as {@link #partition} splits nodes: two addresses can
     * exchange messages only if some group holds both. Meant for hosts, whose groups' node ids
     * differ from group to group: a host's address stands for all of its groups. Replaces the
     * previous address partition; the node partition stays.
     *
     * @param groups the groups of addresses, at least one
     */
    @SafeVarargs
    public final synchronized void partitionHosts(Set<Address>... groups) {
        hostFaults.partition("addresses", List.of(groups));
    }

    /**
     * Cuts the one-way link from the transport at {@code from} to the one at {@code to}.
     *
     * @param from the sending address whose messages to {@code to} are lost
     * @param to the receiving address
     */
    public synchronized void blockHost(Address from, Address to) {
        hostFaults.block(from, to);
    }

    /**
     * Cuts every link to and from the transport at {@code address}: for a host, every group's.
     *
     * @param address the address to isolate
     */
    public synchronized void isolateHost(Address address) {
        hostFaults.isolate(address);
    }

    /** Removes every partition, blocked link and isolation, of nodes and hosts; loss, delay and duplication stay. */
    public synchronized void heal() {
        nodeFaults.heal();
        hostFaults.heal();
    }

    /**
     * Detaches whatever transport listens at {@code address}, as if its process crashed: messages
     * to it and from it go nowhere until a transport is started there again.
     *
     * @param address the address
     */
    public synchronized void detach(Address address) {
        attached.remove(Objects.requireNonNull(address, "address"));
    }

    /** {@return how many messages were handed to a receiving transport} */
    public long delivered() {
        return delivered.get();
    }

    /** {@return how many extra copies duplication scheduled} */
    public long duplicated() {
        return duplicated.get();
    }

    /**
     * Returns how many messages were lost for {@code reason}.
     *
     * @param reason the reason
     * @return the count since the network was created
     */
    public long dropped(DropReason reason) {
        return dropped.get(reason).get();
    }

    /**
     * Attaches {@code endpoint} at {@code address}.
     *
     * @return false if another endpoint is attached there already
     */
    synchronized boolean attach(Address address, Endpoint endpoint) {
        return attached.putIfAbsent(address, endpoint) == null;
    }

    /** Detaches {@code endpoint} from {@code address} if it is the one attached there. */
    synchronized void detach(Address address, Endpoint endpoint) {
        attached.remove(address, endpoint);
    }

    /**
     * Sends one message from the endpoint attached at {@code fromAddress} to {@code toAddress},
     * applying the configured faults. The message travels with {@code fromAddress}, so that a
     * receiver that does not know the sender yet can reply to it, and with its group (null for a
     * single node's message), so that a host hands it to that group.
     */
    synchronized void send(Address fromAddress, Endpoint sender, Address toAddress, String clusterId, GroupId group,
            RaftMessage message) {
        if (attached.get(fromAddress) != sender) {
            count(DropReason.SENDER_DETACHED);
            return;
        }
        if (isCut(fromAddress, toAddress, message)) {
            count(DropReason.LINK_CUT);
            return;
        }
        if (dropProbability > 0 && random.nextDouble() < dropProbability) {
            count(DropReason.RANDOM_LOSS);
            return;
        }
        int copies = duplicateProbability > 0 && random.nextDouble() < duplicateProbability ? 2 : 1;
        duplicated.addAndGet(copies - 1);
        for (int i = 0; i < copies; i++) {
            scheduler.schedule(() -> deliver(fromAddress, toAddress, clusterId, group, message), nextDelayNanos());
        }
    }

    private void deliver(Address fromAddress, Address toAddress, String clusterId, GroupId group, RaftMessage message) {
        Endpoint receiver;
        synchronized (this) {
            if (isCut(fromAddress, toAddress, message)) {
                count(DropReason.LINK_CUT);
                return;
            }
            receiver = attached.get(toAddress);
            if (receiver == null) {
                count(DropReason.NO_RECEIVER);
                return;
            }
        }
        delivered.incrementAndGet();
        try {
            receiver.receive(clusterId, fromAddress, group, message);
        } catch (RuntimeException e) {
            LOG.error("message handler of {} threw on {}", toAddress, message, e);
        }
    }

    private boolean isCut(Address fromAddress, Address toAddress, RaftMessage message) {
        return nodeFaults.isCut(message.from(), message.to()) || hostFaults.isCut(fromAddress, toAddress);
    }

    private long nextDelayNanos() {
        return maxDelayNanos == minDelayNanos ? minDelayNanos : random.nextLong(minDelayNanos, maxDelayNanos + 1);
    }

    private void count(DropReason reason) {
        dropped.get(reason).incrementAndGet();
    }

    private static double probability(String setting, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(setting + " must be in [0, 1], was " + value);
        }
        return value;
    }

    /** What is attached at an address: a single node's {@link MemoryTransport} or a {@link MemoryHostTransport}. */
    interface Endpoint {

        /**
         * Receives one message; called on the network's delivery thread.
         *
         * @param clusterId the cluster id the sender's transport stamped on it
         * @param senderAddress the address the sender's endpoint is attached at
         * @param group the group the message belongs to, or null for a single node's message
         * @param message the message
         */
        void receive(String clusterId, Address senderAddress, GroupId group, RaftMessage message);
    }

    /** Creates the shared network on first use only. */
    private static final class SharedHolder {
        static final MemoryNetwork INSTANCE = new MemoryNetwork(realTimeScheduler(), new SplittableRandom());

        private static DeliveryScheduler realTimeScheduler() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "raftkit-memory-network");
                thread.setDaemon(true);
                return thread;
            });
            return (delivery, delayNanos) -> executor.schedule(delivery, delayNanos, TimeUnit.NANOSECONDS);
        }
    }
}
