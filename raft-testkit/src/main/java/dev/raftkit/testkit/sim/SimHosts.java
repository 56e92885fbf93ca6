package dev.raftkit.testkit.sim;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.RaftHost;
import dev.raftkit.StateMachine;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.Transport;
import dev.raftkit.testkit.memory.MemoryDisk;
import dev.raftkit.testkit.memory.MemoryHostDisk;
import dev.raftkit.testkit.memory.MemoryHostLogStore;
import dev.raftkit.testkit.memory.MemoryHostTransport;
import dev.raftkit.testkit.memory.MemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Hosts that each run every group of the simulation: {@link RaftHost}s started through the public
 * API on one {@link SimRuntime} per host incarnation (every group of the host runs on it), with a
 * {@link MemoryHostLogStore} on a {@link MemoryHostDisk} that survives the host's crashes and a
 * {@link MemoryHostTransport} on one {@link MemoryNetwork}. Each group has one member on every host.
 * Groups of even number name their members after their hosts ({@code n1} on the first host, and so
 * on); the others name them {@code m1}, {@code m2}, ... in an order rotated per group, so that one
 * member id stands for different hosts in different groups.
 *
 * <p>Besides each group's {@link SafetyMonitor}, every member's answers to appends are checked
 * ({@link AcknowledgedEntries}): none denies entries it acknowledged.
 *
 * <p>Faults strike hosts: a crash loses the pending work of every group of the host, and a
 * partition or isolation of a host's address cuts the links of all of its groups. A restarted host
 * starts each group again from its disk, as an application would.
 *
 * @param <C> the command type
 * @param <R> the response type
 * @param <M> the state machine type, so callers can query it (from read queries only)
 */
final class SimHosts<C, R, M extends StateMachine<C, R>> implements FaultDomain<Address> {

    private static final Duration TICK = Duration.ofMillis(10);

    /** One running incarnation of a host. */
    private record Host(RaftHost host, SimRuntime runtime) {
    }

    private final VirtualScheduler scheduler;
    private final SplittableRandom random;
    private final SimRuntime.Latencies latencies;
    private final long snapshotThreshold;
    private final Map<String, String> engineOptions;
    /** How far each incarnation's clock rate may differ from 1: drawn in {@code [1 - drift, 1 + drift]}. */
    private final double clockDrift;
    private final UnaryOperator<HostTransport> transports;
    private final MemoryNetwork network;
    private final List<Address> addresses = new ArrayList<>();
    private final Map<Address, MemoryHostDisk> disks = new LinkedHashMap<>();
    private final Map<Address, Host> live = new LinkedHashMap<>();
    private final List<HostedGroup> groups = new ArrayList<>();

    /**
     * @param workloads one per group: its state machines, codecs and the command codec of its monitor
     * @param hosts how many hosts, each running a member of every group
     * @param snapshotThreshold the entries between snapshots of every group, 0 for none
     * @param engineOptions passed to every host's {@code HostConfig}, so every group's engine sees them
     * @param transports wraps each host's transport as the host starts, e.g. to watch it
     */
    SimHosts(VirtualScheduler scheduler, SplittableRandom random, List<? extends Workload<C, R, M, ?, ?>> workloads,
            int hosts, SimRuntime.Latencies latencies, long snapshotThreshold, Map<String, String> engineOptions,
            double clockDrift, UnaryOperator<HostTransport> transports) {
        this.scheduler = scheduler;
        this.random = random;
        this.latencies = latencies;
        this.snapshotThreshold = snapshotThreshold;
        this.engineOptions = engineOptions;
        this.clockDrift = clockDrift;
        this.transports = transports;
        this.network = SimCluster.network(scheduler, random.split());
        for (int i = 1; i <= hosts; i++) {
            Address address = new Address("sim-host" + i, 7000 + i);
            addresses.add(address);
            disks.put(address, new MemoryHostDisk("sim-host" + i));
        }
        for (int g = 0; g < workloads.size(); g++) {
            groups.add(new HostedGroup(g, workloads.get(g)));
        }
    }

    /** {@return the groups, in the order of their workloads} */
    List<HostedGroup> groups() {
        return groups;
    }

    @Override
    public MemoryNetwork network() {
        return network;
    }

    @Override
    public List<Address> targets() {
        return List.copyOf(addresses);
    }

    @Override
    public void partition(Set<Address> a, Set<Address> b) {
        network.partitionHosts(a, b);
    }

    @Override
    public void isolate(Address host) {
        network.isolateHost(host);
    }

    @Override
    public void block(Address from, Address to) {
        network.blockHost(from, to);
    }

    @Override
    public boolean isUp(Address host) {
        return live.containsKey(host);
    }

    /** Starts every host. */
    void startAll() {
        addresses.forEach(this::start);
    }

    /** Starts (or restarts) a host, then every group on it from the host's disk. */
    @Override
    public void start(Address address) {
        if (live.containsKey(address)) {
            return;
        }
        SimRuntime runtime = SimRuntime.drawn(scheduler, random, latencies, clockDrift);
        HostConfig.Builder config = HostConfig.builder(address).tickInterval(TICK);
        engineOptions.forEach(config::option);
        HostConfig built = config.build();
        RaftHost host = Raft.host(built)
                .runtime(runtime)
                .logStore(new MemoryHostLogStore(disks.get(address)))
                .transport(transports.apply(new WrappedGroups(new MemoryHostTransport(network, built),
                        this::watchAcknowledgements)))
                .start();
        live.put(address, new Host(host, runtime));
        for (HostedGroup group : groups) {
            group.startOn(address, host, runtime);
        }
    }

    /**
     * Crashes a host: no task of any of its groups runs any more, so every persist not yet done is
     * lost, and its address leaves the network. The host is not closed (a crash closes nothing);
     * its disk stays for the restart.
     */
    @Override
    public void crash(Address address) {
        Host host = live.remove(address);
        if (host != null) {
            host.runtime().kill();
            network.detach(address);
            groups.forEach(group -> group.stoppedOn(address));
        }
    }

    /**
     * Stops {@code group}'s member on the host at {@code address} ({@code RaftHost.stopGroup},
     * keeping its data), as an application moving a shard away does; the host's other groups run on.
     *
     * @return the stop, which completes once the member can start again; empty if it did not run
     */
    Optional<CompletableFuture<Void>> stopGroup(HostedGroup group, Address address) {
        Host host = live.get(address);
        if (host == null || group.incarnation(group.memberOn.get(address)) == null) {
            return Optional.empty();
        }
        group.stoppedOn(address);
        return Optional.of(host.host().stopGroup(group.id, false));
    }

    /**
     * Starts {@code group}'s member on the host at {@code address} again, from its data, unless it
     * runs already.
     *
     * @return whether it runs now; false while the host is down (its restart starts every group)
     * @throws IllegalStateException if the member's stop has not completed yet
     */
    boolean restartGroup(HostedGroup group, Address address) {
        Host host = live.get(address);
        if (host == null) {
            return false;
        }
        if (group.incarnation(group.memberOn.get(address)) == null) {
            group.startOn(address, host.host(), host.runtime());
        }
        return true;
    }

    /** Wraps a group's view so that its members' answers to appends are checked ({@link AcknowledgedEntries}). */
    private Transport watchAcknowledgements(GroupId group, Transport view) {
        return groups.stream().filter(g -> g.id.equals(group)).findFirst()
                .map(g -> g.acknowledged.watch(view)).orElse(view);
    }

    /** Crashes every host; the simulation's end. */
    void crashAll() {
        new ArrayList<>(live.keySet()).forEach(this::crash);
    }

    /** One group of the hosts: a member on every host. */
    final class HostedGroup implements SimGroup<C, R, M> {
        private final GroupId id;
        private final Workload<C, R, M, ?, ?> workload;
        private final SafetyMonitor<C> monitor;
        private final AcknowledgedEntries acknowledged;
        /** Every member, by id, with the host it runs on. */
        private final Map<NodeId, Address> members = new TreeMap<>();
        private final Map<Address, NodeId> memberOn = new LinkedHashMap<>();
        private final Map<NodeId, Incarnation<C, R, M>> live = new TreeMap<>();

        HostedGroup(int number, Workload<C, R, M, ?, ?> workload) {
            this.id = GroupId.of("g" + number);
            this.workload = workload;
            this.monitor = new SafetyMonitor<>(workload.codec());
            this.acknowledged = new AcknowledgedEntries(monitor::violate);
            int hosts = addresses.size();
            for (int i = 0; i < hosts; i++) {
                NodeId member = number % 2 == 0 ? NodeId.of("n" + (i + 1))
                        : NodeId.of("m" + ((i + number) % hosts + 1));
                members.put(member, addresses.get(i));
                memberOn.put(addresses.get(i), member);
            }
        }

        /** {@return the group's id} */
        GroupId id() {
            return id;
        }

        /** {@return the address of the host that runs {@code member}} */
        Address hostOf(NodeId member) {
            return members.get(member);
        }

        @Override
        public List<NodeId> ids() {
            return new ArrayList<>(members.keySet());
        }

        @Override
        public Incarnation<C, R, M> incarnation(NodeId member) {
            return live.get(member);
        }

        @Override
        public MemoryDisk disk(NodeId member) {
            return disks.get(members.get(member)).disk(id);
        }

        @Override
        public SafetyMonitor<C> monitor() {
            return monitor;
        }

        /** Starts this group's member on {@code host}, from its disk. */
        private void startOn(Address address, RaftHost host, SimRuntime runtime) {
            NodeId self = memberOn.get(address);
            Config config = SimGroup.simulated(Config.builder(self, members), snapshotThreshold).build();
            M state = workload.stateMachines().get();
            MemoryDisk disk = disk(self);
            monitor.incarnation(self, disk.hardState().term());
            RaftHost.GroupBuilder<C, R> builder = host.<C, R>group(id, config)
                    .stateMachine(monitor.watching(self, state))
                    .codec(workload.codec());
            workload.responseCodec().ifPresent(builder::responseCodec);
            Node<C, R> node = builder
                    .listener(monitor.roles(self, disk))
                    .start();
            live.put(self, new Incarnation<>(node, state, runtime));
        }

        /** Its member on the host at {@code address} no longer runs: the host crashed, or the member was stopped. */
        private void stoppedOn(Address address) {
            live.remove(memberOn.get(address));
        }
    }
}
