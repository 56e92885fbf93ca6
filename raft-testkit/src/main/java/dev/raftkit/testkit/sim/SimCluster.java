package dev.raftkit.testkit.sim;

import dev.raftkit.Address;
import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.memory.MemoryDisk;
import dev.raftkit.testkit.memory.MemoryLogStore;
import dev.raftkit.testkit.memory.MemoryNetwork;
import dev.raftkit.testkit.memory.MemoryTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The nodes of one simulated cluster: real engines on {@link SimRuntime}s, talking through one
 * {@link MemoryNetwork} on the virtual scheduler, each with a {@link MemoryDisk} that survives its
 * crashes. Each incarnation of a node gets a fresh state machine from the factory. Besides the
 * {@link SafetyMonitor}'s properties, every node's answers to appends are checked
 * ({@link AcknowledgedEntries}): none denies entries it acknowledged.
 *
 * @param <C> the command type
 * @param <R> the response type
 * @param <M> the state machine type, so callers can query it (from read queries only)
 */
final class SimCluster<C, R, M extends StateMachine<C, R>> implements SimGroup<C, R, M>, FaultDomain<NodeId> {

    private final VirtualScheduler scheduler;
    private final SplittableRandom random;
    private final SafetyMonitor<C> monitor;
    private final Supplier<? extends M> stateMachines;
    private final Codec<C> codec;
    private final Optional<Codec<R>> responseCodec;
    private final SimRuntime.Latencies latencies;
    private final Map<String, String> engineOptions;
    /** How far each incarnation's clock rate may differ from 1: drawn in {@code [1 - drift, 1 + drift]}. */
    private final double clockDrift;
    private final long snapshotThreshold;
    private final MemoryNetwork network;
    /** Every node slot: the initial voters, then spares that join later. */
    private final Map<NodeId, Address> addresses = new TreeMap<>();
    /** The initial voters; spares start with these plus themselves and join an existing cluster. */
    private final Map<NodeId, Address> initialVoters = new TreeMap<>();
    /** The members each spare was first started with: the voters when it was asked to join. */
    private final Map<NodeId, Map<NodeId, Address>> joinedWith = new TreeMap<>();
    /** Nodes removed from the cluster: they never run again (ids are never reused). */
    private final Set<NodeId> retired = new TreeSet<>();
    private final Map<NodeId, MemoryDisk> disks = new TreeMap<>();
    private final Map<NodeId, Incarnation<C, R, M>> live = new TreeMap<>();
    private final AcknowledgedEntries acknowledged;

    /**
     * @param stateMachines makes a fresh state machine for every incarnation of every node
     * @param codec the command codec
     * @param responseCodec the response codec, which sessions need, or empty
     */
    SimCluster(VirtualScheduler scheduler, SplittableRandom random, SafetyMonitor<C> monitor,
            Supplier<? extends M> stateMachines, Codec<C> codec, Optional<Codec<R>> responseCodec, int size,
            int spares, SimRuntime.Latencies latencies, long snapshotThreshold, Map<String, String> engineOptions,
            double clockDrift) {
        this.responseCodec = responseCodec;
        this.clockDrift = clockDrift;
        this.scheduler = scheduler;
        this.random = random;
        this.monitor = monitor;
        this.stateMachines = stateMachines;
        this.codec = codec;
        this.latencies = latencies;
        this.engineOptions = engineOptions;
        this.snapshotThreshold = snapshotThreshold;
        this.network = network(scheduler, random.split());
        this.acknowledged = new AcknowledgedEntries(monitor::violate);
        for (int i = 1; i <= size + spares; i++) {
            NodeId id = NodeId.of("n" + i);
            addresses.put(id, new Address("sim-n" + i, 7000 + i));
            if (i <= size) {
                initialVoters.put(id, addresses.get(id));
            }
            disks.put(id, new MemoryDisk("sim-n" + i));
        }
    }

    /**
     * Creates the network of a simulation: every delivery is an event of the virtual scheduler.
     *
     * @param random the source of the network's fault decisions
     */
    static MemoryNetwork network(VirtualScheduler scheduler, SplittableRandom random) {
        return new MemoryNetwork((delivery, delay) -> scheduler.at(scheduler.now() + delay, delivery, null), random);
    }

    @Override
    public MemoryNetwork network() {
        return network;
    }

    /** Returns every node that may run: all slots but the retired ones. */
    @Override
    public List<NodeId> ids() {
        List<NodeId> ids = new ArrayList<>(addresses.keySet());
        ids.removeAll(retired);
        return ids;
    }

    Address address(NodeId id) {
        return addresses.get(id);
    }

    /**
     * Starts spare {@code id} to join a running cluster whose voters are {@code voters}, as a user
     * would just before calling {@code addVoter} or {@code addLearner}.
     */
    void startToJoin(NodeId id, Map<NodeId, Address> voters) {
        joinedWith.putIfAbsent(id, new TreeMap<>(voters));
        start(id);
    }

    /** Returns the initial voters' ids. */
    Set<NodeId> initialVoters() {
        return initialVoters.keySet();
    }

    /** Stops {@code id} for good: it was removed from the cluster. */
    void retire(NodeId id) {
        crash(id);
        retired.add(id);
    }

    boolean isRetired(NodeId id) {
        return retired.contains(id);
    }

    /** Returns the running incarnation of {@code id}, or null if it is crashed. */
    @Override
    public Incarnation<C, R, M> incarnation(NodeId id) {
        return live.get(id);
    }

    @Override
    public MemoryDisk disk(NodeId id) {
        return disks.get(id);
    }

    /**
     * Makes a crashed node's disk lose its last {@code count} durable entries: a fault outside
     * Raft's model, which the nemesis never injects, for tests of what follows. The check that no
     * node denies entries it acknowledged forgets this node's acknowledgements.
     *
     * @return how many entries the disk lost (fewer than {@code count} if it held fewer)
     * @throws IllegalStateException if the node is running
     */
    int loseLastEntries(NodeId id, int count) {
        if (live.containsKey(id)) {
            throw new IllegalStateException(id + " is running: crash it before its disk loses entries");
        }
        acknowledged.forget(id);
        return disks.get(id).loseLastEntries(count);
    }

    @Override
    public SafetyMonitor<C> monitor() {
        return monitor;
    }

    @Override
    public List<NodeId> targets() {
        return ids();
    }

    @Override
    public void partition(Set<NodeId> a, Set<NodeId> b) {
        network.partition(a, b);
    }

    @Override
    public void isolate(NodeId id) {
        network.isolate(id);
    }

    @Override
    public void block(NodeId from, NodeId to) {
        network.block(from, to);
    }

    @Override
    public boolean isUp(NodeId id) {
        return live.containsKey(id);
    }

    /** Starts (or restarts) {@code id} from its disk. */
    @Override
    public void start(NodeId id) {
        if (live.containsKey(id) || retired.contains(id)) {
            return;
        }
        boolean spare = !initialVoters.containsKey(id);
        if (spare && !joinedWith.containsKey(id)) {
            return; // a spare runs only once it was asked to join
        }
        Map<NodeId, Address> members = new TreeMap<>(spare ? joinedWith.get(id) : initialVoters);
        members.put(id, addresses.get(id));
        Config.Builder config = SimGroup.simulated(
                Config.builder(id, members).joinExisting(spare).tickInterval(Duration.ofMillis(10)), snapshotThreshold);
        engineOptions.forEach(config::option);
        Config built = config.build();
        SimRuntime runtime = SimRuntime.drawn(scheduler, random, latencies, clockDrift);
        M state = stateMachines.get();
        MemoryDisk disk = disks.get(id);
        monitor.incarnation(id, disk.hardState().term());
        Raft.Builder<C, R> builder = Raft.builder(built);
        responseCodec.ifPresent(builder::responseCodec);
        Node<C, R> node = builder
                .stateMachine(monitor.watching(id, state))
                .codec(codec)
                .logStore(new MemoryLogStore(disk))
                .transport(acknowledged.watch(new MemoryTransport(network, built)))
                .runtime(runtime)
                .listener(monitor.roles(id, disk))
                .start();
        live.put(id, new Incarnation<>(node, state, runtime));
    }

    /** Crashes {@code id}: its pending work, including persists not yet done, is lost. */
    @Override
    public void crash(NodeId id) {
        Incarnation<C, R, M> incarnation = live.remove(id);
        if (incarnation != null) {
            incarnation.runtime().kill();
            network.detach(addresses.get(id));
        }
    }

    /** Crashes every node; the simulation's end. */
    void crashAll() {
        new ArrayList<>(live.keySet()).forEach(this::crash);
    }
}
