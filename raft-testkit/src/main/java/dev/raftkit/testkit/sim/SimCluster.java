package dev.raftkit.testkit.sim;

import dev.raftkit.Address;
import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.NodeStatus;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.memory.MemoryDisk;
import dev.raftkit.testkit.memory.MemoryLogStore;
import dev.raftkit.testkit.memory.MemoryNetwork;
import dev.raftkit.testkit.memory.MemoryTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The nodes of one simulated cluster: real engines on {@link SimRuntime}s, talking through one
 * {@link MemoryNetwork} on the virtual scheduler, each with a {@link MemoryDisk} that survives its
 * crashes. Each incarnation of a node gets a fresh state machine from the factory.
 *
 * @param <C> the command type
 * @param <R> the response type
 * @param <M> the state machine type, so callers can query it (from read queries only)
 */
final class SimCluster<C, R, M extends StateMachine<C, R>> {

    /** The responses each session keeps; the simulated clients have one write in flight each. */
    private static final int SESSION_WINDOW = 8;

    /** One running incarnation of a node. */
    record Incarnation<C, R, M>(Node<C, R> node, M state, SimRuntime runtime) {
    }

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
    private final java.util.Set<NodeId> retired = new java.util.TreeSet<>();
    private final Map<NodeId, MemoryDisk> disks = new TreeMap<>();
    private final Map<NodeId, Incarnation<C, R, M>> live = new TreeMap<>();

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
        this.network = new MemoryNetwork((delivery, delay) -> scheduler.at(scheduler.now() + delay, delivery, null),
                random.split());
        for (int i = 1; i <= size + spares; i++) {
            NodeId id = NodeId.of("n" + i);
            addresses.put(id, new Address("sim-n" + i, 7000 + i));
            if (i <= size) {
                initialVoters.put(id, addresses.get(id));
            }
            disks.put(id, new MemoryDisk("sim-n" + i));
        }
    }

    MemoryNetwork network() {
        return network;
    }

    /** Returns every node that may run: all slots but the retired ones. */
    List<NodeId> ids() {
        List<NodeId> ids = new ArrayList<>(addresses.keySet());
        ids.removeAll(retired);
        return ids;
    }

    Address address(NodeId id) {
        return addresses.get(id);
    }

    /** Returns the disks of {@code ids}, for checks over a configuration's voters. */
    Map<NodeId, MemoryDisk> disks(java.util.Collection<NodeId> ids) {
        Map<NodeId, MemoryDisk> out = new TreeMap<>();
        ids.forEach(id -> out.put(id, disks.get(id)));
        return out;
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
    java.util.Set<NodeId> initialVoters() {
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
    Incarnation<C, R, M> incarnation(NodeId id) {
        return live.get(id);
    }

    boolean isUp(NodeId id) {
        return live.containsKey(id);
    }

    /** Starts (or restarts) {@code id} from its disk. */
    void start(NodeId id) {
        if (live.containsKey(id) || retired.contains(id)) {
            return;
        }
        boolean spare = !initialVoters.containsKey(id);
        if (spare && !joinedWith.containsKey(id)) {
            return; // a spare runs only once it was asked to join
        }
        Map<NodeId, Address> members = new TreeMap<>(spare ? joinedWith.get(id) : initialVoters);
        members.put(id, addresses.get(id));
        Config.Builder config = Config.builder(id, members).joinExisting(spare).tickInterval(Duration.ofMillis(10))
                .electionTimeoutTicks(15, 30).heartbeatIntervalTicks(3).maxInflightWrites(1000)
                .snapshotThreshold(snapshotThreshold)
                // Clients keep one write in flight: a small response window keeps the session table,
                // and so the snapshots sent in tiny chunks, small.
                .sessionWindow(SESSION_WINDOW);
        engineOptions.forEach(config::option);
        Config built = config.build();
        double clockRate = clockDrift == 0 ? 1 : 1 + clockDrift * (2 * random.nextDouble() - 1);
        SimRuntime runtime = new SimRuntime(scheduler, random.nextLong(), latencies, clockRate);
        M state = stateMachines.get();
        MemoryDisk disk = disks.get(id);
        monitor.incarnation(id, disk.hardState().term());
        Raft.Builder<C, R> builder = Raft.builder(built);
        responseCodec.ifPresent(builder::responseCodec);
        Node<C, R> node = builder
                .stateMachine(recording(id, state))
                .codec(codec)
                .logStore(new MemoryLogStore(disk))
                .transport(new MemoryTransport(network, built))
                .runtime(runtime)
                .listener(new NodeListener() {
                    @Override
                    public void onRoleChange(Role role, long term) {
                        monitor.onRole(id, role, term, disk);
                    }
                })
                .start();
        live.put(id, new Incarnation<>(node, state, runtime));
    }

    /** Crashes {@code id}: its pending work, including persists not yet done, is lost. */
    void crash(NodeId id) {
        Incarnation<C, R, M> incarnation = live.remove(id);
        if (incarnation != null) {
            incarnation.runtime.kill();
            network.detach(addresses.get(id));
        }
    }

    /** Crashes every node; the simulation's end. */
    void crashAll() {
        new ArrayList<>(live.keySet()).forEach(this::crash);
    }

    /** Feeds every running node's status to the safety monitor. */
    void checkStatuses() {
        for (Incarnation<C, R, M> incarnation : live.values()) {
            NodeStatus status = incarnation.node.status();
            monitor.onStatus(status);
            if (status.role() == Role.LEADER) {
                monitor.checkCommitDurable(status.id(), disks.get(status.id()), status.commitIndex(),
                        disks(status.voters()));
            }
        }
    }

    private StateMachine<C, R> recording(NodeId id, M state) {
        return new StateMachine<>() {
            @Override
            public R apply(long index, C command) {
                monitor.onApply(id, index, command);
                return state.apply(index, command);
            }

            @Override
            public void writeSnapshot(OutputStream out) throws IOException {
                state.writeSnapshot(out);
            }

            @Override
            public void restoreSnapshot(InputStream in) throws IOException {
                state.restoreSnapshot(in);
            }
        };
    }
}
