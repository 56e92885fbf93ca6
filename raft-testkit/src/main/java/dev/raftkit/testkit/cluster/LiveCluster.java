package dev.raftkit.testkit.cluster;

import dev.raftkit.Address;
import dev.raftkit.BusyException;
import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.Membership;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.NodeStatus;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.SnapshotInfo;
import dev.raftkit.StateMachine;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.Transport;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import dev.raftkit.testkit.memory.MemoryDisk;
import dev.raftkit.testkit.memory.MemoryLogStore;
import dev.raftkit.testkit.memory.MemoryNetwork;
import dev.raftkit.testkit.memory.MemoryTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real-time cluster for tests: real engine nodes in this JVM, started, stopped, restarted and cut
 * off by the test. It is the harness of Raftkit's own cluster tests and of {@link RaftClusterExtension}.
 *
 * <p>By default each node keeps its log on its own {@link MemoryDisk} (which outlives the node, so a
 * restarted node recovers what it persisted) and talks through a {@link MemoryNetwork} private to
 * this cluster, so the faults and delays a test sets touch no other test. {@link Builder#logStore}
 * and {@link Builder#transport} name other providers instead, e.g. {@code "lmdb"} and {@code "grpc"},
 * found on the class path at run time as an application finds them: their data lives in a
 * temporary directory that {@link #close} deletes, and their nodes listen on free loopback ports.
 * Node ids, addresses and disks are unique in the JVM. A {@link Builder} sets what differs between
 * tests: the codec, the state machine and listener each start gets, a wrapper around each node's
 * transport, the founding voters and configuration tuning.
 *
 * <p>Nodes are known by {@link NodeId}; the founding voters are also numbered from 0 ({@link #id}).
 * Every wait is bounded by {@link #PATIENCE} (or a longer bound the test names) and fails with every
 * running node's status.
 *
 * <p>Faults: {@link #stop}, {@link #restart}, {@link #isolate} and {@link #heal}, and with the memory
 * transport everything {@link #network()} offers (partitions, one-way blocks, loss, delay); with the
 * memory store, {@link #disk} fails or damages writes.
 *
 * <p>raft-core's tests keep their own harnesses (the pure protocol {@code TestCluster} in virtual
 * steps): raft-testkit depends on raft-core, so raft-core's tests cannot use this class without a
 * Maven dependency cycle. The simulator ({@code SimCluster}) runs in virtual time instead.
 *
 * <p>Start, stop and change the cluster from the test thread; {@link #node}, {@link #running},
 * {@link #leaderGuess}, {@link #readLinearizable} and {@link #write} may also be called from client
 * threads.
 *
 * @param <C> the command type
 * @param <R> the response type
 * @param <S> the state machine type, so tests can read what it recorded
 * @param <L> the listener type, so tests can read what it heard
 */
public final class LiveCluster<C, R, S extends StateMachine<C, R>, L extends NodeListener>
        implements AutoCloseable {

    /** Time of one tick. */
    public static final Duration TICK = Duration.ofMillis(10);
    /** How long any one wait may take by default before the test fails. */
    public static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Election timeout range in ticks: wide, so that a loaded machine does not cause spurious elections. */
    private static final int ELECTION_MIN_TICKS = 50;
    private static final int ELECTION_MAX_TICKS = 100;
    /** How long to wait before retrying a call that failed because leadership moved. */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(50);

    /** The provider name that selects this cluster's own in-memory store or network. */
    public static final String MEMORY = "memory";

    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    /** Addresses of in-memory nodes: never bound, only unique in the JVM. */
    private static final AtomicInteger MEMORY_PORTS = new AtomicInteger(30_000);

    /** One running node and what the test observes it through; the transport when this cluster made it. */
    private record Member<C, R, S, L>(Node<C, R> node, S stateMachine, L listener, Optional<Transport> transport) {
    }

    private final String name;
    private final Codec<C> codec;
    private final Supplier<? extends S> stateMachines;
    private final Supplier<? extends L> listeners;
    private final UnaryOperator<Transport> transports;
    private final UnaryOperator<Config.Builder> tuning;
    private final Consumer<? super S> afterStop;
    private final String logStore;
    private final String transport;
    private final Optional<Codec<R>> responseCodec;
    private final List<NodeId> founders = new ArrayList<>();
    private final Map<NodeId, Address> addresses = new ConcurrentHashMap<>();
    private final Map<NodeId, Config> configs = new ConcurrentHashMap<>();
    private final Map<NodeId, MemoryDisk> disks = new ConcurrentHashMap<>();
    private final Map<NodeId, Member<C, R, S, L>> running = new ConcurrentHashMap<>();
    private final Map<NodeId, Member<C, R, S, L>> last = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor deliveries;
    private final MemoryNetwork network;
    private Path directory;
    private int nextNode;

    private LiveCluster(Builder<C, R, S, L> builder) {
        this.name = builder.name + CLUSTERS.incrementAndGet();
        this.codec = builder.codec;
        this.stateMachines = builder.stateMachines;
        this.listeners = builder.listeners;
        this.transports = builder.transports;
        this.tuning = builder.tuning;
        this.afterStop = builder.afterStop;
        this.logStore = builder.logStore;
        this.transport = builder.transport;
        if (!transport.equals(MEMORY) && builder.transports != UnaryOperator.<Transport>identity()) {
            throw new IllegalArgumentException("transports(...) wraps the memory transport only; this cluster's "
                    + "transport is '" + transport + "', which the engine opens itself");
        }
        this.responseCodec = builder.responseCodec;
        deliveries = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, name + "-network");
            thread.setDaemon(true);
            return thread;
        });
        network = new MemoryNetwork((delivery, delayNanos) -> deliveries.schedule(delivery, delayNanos,
                TimeUnit.NANOSECONDS), new SplittableRandom(1));
        for (int i = 0; i < builder.voters; i++) {
            founders.add(newId());
        }
        founders.forEach(this::address);
    }

    /**
     * Starts describing a cluster.
     *
     * @param codec the command codec
     * @param stateMachines makes the state machine of each start that does not bring its own
     * @param listeners makes the listener registered on each start
     * @param <C> the command type
     * @param <R> the response type
     * @param <S> the state machine type
     * @param <L> the listener type
     * @return a description with no founding voter, on the memory store and network
     */
    public static <C, R, S extends StateMachine<C, R>, L extends NodeListener> Builder<C, R, S, L> builder(
            Codec<C> codec, Supplier<? extends S> stateMachines, Supplier<? extends L> listeners) {
        return new Builder<>(codec, stateMachines, listeners);
    }

    /**
     * Starts describing a cluster whose every start brings its own state machine
     * ({@link #start(NodeId, StateMachine)}), with listeners that ignore what they hear.
     *
     * @param codec the command codec
     * @param <C> the command type
     * @param <R> the response type
     * @return a description with no founding voter, on the memory store and network
     */
    public static <C, R> Builder<C, R, StateMachine<C, R>, NodeListener> builder(Codec<C> codec) {
        return builder(codec, () -> {
            throw new IllegalStateException("every start of this cluster must bring its own state machine");
        }, () -> new NodeListener() { });
    }

    /**
     * Starts describing a cluster of {@link KvStateMachine} nodes.
     *
     * @param listeners makes the listener registered on each start
     * @param <L> the listener type
     * @return a description with no founding voter, on the memory store and network
     */
    public static <L extends NodeListener> Builder<KvCommand, String, KvStateMachine, L> kvBuilder(
            Supplier<? extends L> listeners) {
        return builder(KvCommand.CODEC, KvStateMachine::new, listeners);
    }

    /**
     * Describes a {@link LiveCluster}; no node starts until the test starts it.
     *
     * @param <C> the command type
     * @param <R> the response type
     * @param <S> the state machine type
     * @param <L> the listener type
     */
    public static final class Builder<C, R, S extends StateMachine<C, R>, L extends NodeListener> {
        private final Codec<C> codec;
        private final Supplier<? extends S> stateMachines;
        private final Supplier<? extends L> listeners;
        private String name = "live";
        private int voters;
        private UnaryOperator<Transport> transports = UnaryOperator.identity();
        private UnaryOperator<Config.Builder> tuning = UnaryOperator.identity();
        private Consumer<? super S> afterStop = stateMachine -> { };
        private String logStore = MEMORY;
        private String transport = MEMORY;
        private Optional<Codec<R>> responseCodec = Optional.empty();

        private Builder(Codec<C> codec, Supplier<? extends S> stateMachines, Supplier<? extends L> listeners) {
            this.codec = Objects.requireNonNull(codec, "codec");
            this.stateMachines = Objects.requireNonNull(stateMachines, "stateMachines");
            this.listeners = Objects.requireNonNull(listeners, "listeners");
        }

        /**
         * Names the cluster's nodes and disks, for failure messages and thread names.
         *
         * @param name the prefix of node ids
         * @return this builder
         */
        public Builder<C, R, S, L> name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets how many founding voters {@link #startAll()} starts (0 for none: see {@link #bootstrap}).
         *
         * @param voters how many founding voters, at least 0
         * @return this builder
         */
        public Builder<C, R, S, L> voters(int voters) {
            if (voters < 0) {
                throw new IllegalArgumentException("voters must be >= 0, was " + voters);
            }
            this.voters = voters;
            return this;
        }

        /**
         * Wraps every node's memory transport at each start, e.g. to count or fail what it sends.
         * Only with the memory transport.
         *
         * @param transports the wrapper
         * @return this builder
         */
        public Builder<C, R, S, L> transports(UnaryOperator<Transport> transports) {
            this.transports = Objects.requireNonNull(transports, "transports");
            return this;
        }

        /**
         * Adjusts every node's configuration after this class's defaults are set.
         *
         * @param tuning changes the defaults
         * @return this builder
         */
        public Builder<C, R, S, L> tuning(UnaryOperator<Config.Builder> tuning) {
            this.tuning = Objects.requireNonNull(tuning, "tuning");
            return this;
        }

        /**
         * Runs {@code afterStop} on a node's state machine once the node closed, e.g. to release held applies.
         *
         * @param afterStop what to run
         * @return this builder
         */
        public Builder<C, R, S, L> afterStop(Consumer<? super S> afterStop) {
            this.afterStop = Objects.requireNonNull(afterStop, "afterStop");
            return this;
        }

        /**
         * Gives every node a response codec, so that they serve sessions.
         *
         * @param responseCodec the state machine's response codec
         * @return this builder
         */
        public Builder<C, R, S, L> responseCodec(Codec<R> responseCodec) {
            this.responseCodec = Optional.of(Objects.requireNonNull(responseCodec, "responseCodec"));
            return this;
        }

        /**
         * Names the log store provider: {@value LiveCluster#MEMORY} (the default) gives each node its
         * own {@link MemoryDisk}; another name, e.g. {@code "lmdb"}, is looked up on the class path
         * and keeps its data in a temporary directory.
         *
         * @param providerName the provider's name
         * @return this builder
         */
        public Builder<C, R, S, L> logStore(String providerName) {
            this.logStore = providerName(providerName, "logStore");
            return this;
        }

        /**
         * Names the transport provider: {@value LiveCluster#MEMORY} (the default) connects the nodes
         * through this cluster's {@link MemoryNetwork}; another name, e.g. {@code "grpc"}, is looked
         * up on the class path and listens on free loopback ports.
         *
         * @param providerName the provider's name
         * @return this builder
         */
        public Builder<C, R, S, L> transport(String providerName) {
            this.transport = providerName(providerName, "transport");
            return this;
        }

        private static String providerName(String name, String what) {
            Objects.requireNonNull(name, what);
            if (name.isBlank()) {
                throw new IllegalArgumentException(what + " must name a provider, was blank");
            }
            return name;
        }

        /**
         * Returns the described cluster, with no node running.
         *
         * @return the cluster
         * @throws IllegalArgumentException if a transport wrapper is set for a transport other than memory
         */
        public LiveCluster<C, R, S, L> build() {
            return new LiveCluster<>(this);
        }
    }

    /**
     * Returns this cluster's network, to cut links, drop or delay messages; {@link #close} clears it.
     *
     * @return the network
     * @throws IllegalStateException if this cluster's transport is not {@value #MEMORY}
     */
    public MemoryNetwork network() {
        if (!transport.equals(MEMORY)) {
            throw new IllegalStateException("network faults need the memory transport; this cluster's transport is '"
                    + transport + "' (for real networks, see raft-testkit-toxiproxy's ToxiproxyNetwork)");
        }
        return network;
    }

    /**
     * Cuts {@code id} off from every other node, both ways, until {@link #heal}. Memory transport only.
     *
     * @param id the node to isolate
     * @throws IllegalStateException if this cluster's transport is not {@value #MEMORY}
     */
    public void isolate(NodeId id) {
        network().isolate(id);
    }

    /**
     * Ends every network fault: partitions, blocks, loss, duplication and delay. Memory transport only.
     *
     * @throws IllegalStateException if this cluster's transport is not {@value #MEMORY}
     */
    public void heal() {
        network().heal();
    }

    /**
     * Returns the longest election timeout.
     *
     * @return the longest election timeout
     */
    public Duration electionTimeout() {
        return TICK.multipliedBy(ELECTION_MAX_TICKS);
    }

    /**
     * Returns the shortest election timeout: how long a leadership transfer may take before it is abandoned.
     *
     * @return the shortest election timeout: how long a leadership transfer may take before it is abandoned
     */
    public Duration minElectionTimeout() {
        return TICK.multipliedBy(ELECTION_MIN_TICKS);
    }

    /**
     * Returns a node id no node of this JVM has used.
     *
     * @return a node id no node of this JVM has used
     */
    public NodeId newId() {
        return NodeId.of(name + "-n" + (++nextNode));
    }

    /**
     * Returns the address of {@code id}, assigning an unused one on first use: with a real transport,
     * a loopback port that was free then, kept for restarts.
     *
     * @param id the node
     * @return its address
     */
    public Address address(NodeId id) {
        return addresses.computeIfAbsent(id, k -> transport.equals(MEMORY)
                ? new Address("127.0.0.1", MEMORY_PORTS.incrementAndGet()) : LoopbackAddresses.free());
    }

    /**
     * Returns the data directory of {@code id}: under a temporary directory that {@link #close}
     * deletes with a real log store, a name only with the memory store.
     *
     * @param id the node
     * @return its data directory
     */
    public Path dataDir(NodeId id) {
        if (logStore.equals(MEMORY)) {
            return Path.of("/mem", name, id.value());
        }
        if (directory == null) {
            try {
                directory = Files.createTempDirectory("raftkit-" + name + "-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary directory for cluster " + name, e);
            }
        }
        return directory.resolve(id.value());
    }

    /**
     * Returns the founding voters, in order.
     *
     * @return the founding voters, in order
     */
    public List<NodeId> ids() {
        return List.copyOf(founders);
    }

    /**
     * Returns the {@code i}-th founding voter, counting from 0.
     *
     * @param i the founder's position, counting from 0
     * @return the {@code i}-th founding voter, counting from 0
     */
    public NodeId id(int i) {
        return founders.get(i);
    }

    /**
     * Returns the founding voters' addresses, by id.
     *
     * @return the founding voters' addresses, by id
     */
    public Map<NodeId, Address> members() {
        Map<NodeId, Address> members = new LinkedHashMap<>();
        founders.forEach(id -> members.put(id, address(id)));
        return members;
    }

    /**
     * Returns the disk of {@code id}, which holds its log and snapshots across restarts.
     *
     * @param id the node
     * @return its disk
     * @throws IllegalStateException if this cluster's log store is not {@value #MEMORY}
     */
    public MemoryDisk disk(NodeId id) {
        if (!logStore.equals(MEMORY)) {
            throw new IllegalStateException("disks exist with the memory log store only; this cluster's log store is '"
                    + logStore + "'");
        }
        return disks.computeIfAbsent(id, k -> new MemoryDisk("/mem/" + name + "/" + k.value()));
    }

    /**
     * Starts every founding voter that is not running; returns this cluster.
     *
     * @return this cluster
     */
    public LiveCluster<C, R, S, L> startAll() {
        founders.stream().filter(id -> !running.containsKey(id)).forEach(this::start);
        return this;
    }

    /**
     * Starts {@code size} fresh nodes that form a cluster together, and returns their ids.
     *
     * @param size how many nodes
     * @return their ids
     */
    public List<NodeId> bootstrap(int size) {
        List<NodeId> ids = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ids.add(newId());
        }
        ids.forEach(id -> start(id, ids, false));
        return ids;
    }

    /**
     * Starts a fresh node that joins the running cluster of {@code voters}: its members are the
     * voters plus itself, with {@code joinExisting(true)}.
     *
     * @param voters the running voters it joins
     * @return its id
     */
    public NodeId startJoining(Collection<NodeId> voters) {
        NodeId id = newId();
        List<NodeId> members = new ArrayList<>(voters);
        members.add(id);
        start(id, members, true);
        return id;
    }

    /**
     * Starts node {@code id} with the given members (self included), replacing its configuration.
     *
     * @param id the node
     * @param members the node's members, itself included
     * @param joinExisting whether it joins a running cluster
     * @return the started node
     */
    public Node<C, R> start(NodeId id, Collection<NodeId> members, boolean joinExisting) {
        configs.put(id, configure(id, members, joinExisting));
        return start(id);
    }

    /**
     * Starts node {@code id} on its disk with a fresh state machine and listener: a restart when it
     * ran before. A founding voter starts with the founders as members.
     *
     * @param id the node
     * @return the started node
     */
    public Node<C, R> start(NodeId id) {
        return start(id, stateMachines.get(), UnaryOperator.identity(), UnaryOperator.identity());
    }

    /**
     * Starts node {@code id} as {@link #start(NodeId)} does, with {@code stateMachine}.
     *
     * @param id the node
     * @param stateMachine the node's state machine
     * @return the started node
     */
    public Node<C, R> start(NodeId id, S stateMachine) {
        return start(id, stateMachine, UnaryOperator.identity(), UnaryOperator.identity());
    }

    /**
     * Starts node {@code id} as {@link #start(NodeId)} does, with {@code stateMachine} and its transport wrapped.
     *
     * @param id the node
     * @param stateMachine the node's state machine
     * @param wrapTransport wraps the node's memory transport
     * @return the started node
     */
    public Node<C, R> start(NodeId id, S stateMachine, UnaryOperator<Transport> wrapTransport) {
        return start(id, stateMachine, wrapTransport, UnaryOperator.identity());
    }

    /**
     * Starts node {@code id} as {@link #start(NodeId)} does, on its log store wrapped by {@code wrapStore}.
     *
     * @param id the node
     * @param wrapStore wraps the node's memory log store
     * @return the started node
     */
    public Node<C, R> startWithStore(NodeId id, UnaryOperator<LogStore> wrapStore) {
        return start(id, stateMachines.get(), UnaryOperator.identity(), wrapStore);
    }

    /**
     * Starts node {@code id} as {@link #start(NodeId)} does.
     *
     * @param id the node
     * @param stateMachine the node's state machine
     * @param wrapTransport wraps the node's memory transport (after the builder's wrapper)
     * @param wrapStore wraps the node's memory log store
     * @return the started node
     * @throws IllegalStateException if the node runs, or a wrapper is given for a provider other than memory
     */
    public Node<C, R> start(NodeId id, S stateMachine, UnaryOperator<Transport> wrapTransport,
            UnaryOperator<LogStore> wrapStore) {
        if (running.containsKey(id)) {
            throw new IllegalStateException(id + " is running; stop it first");
        }
        Config config = config(id);
        L listener = listeners.get();
        Raft.Builder<C, R> builder = Raft.builder(config).stateMachine(stateMachine).codec(codec).listener(listener);
        if (logStore.equals(MEMORY)) {
            builder.logStore(wrapStore.apply(new MemoryLogStore(disk(id))));
        } else if (wrapStore != UnaryOperator.<LogStore>identity()) {
            throw new IllegalStateException("only the memory log store can be wrapped; this cluster's is '"
                    + logStore + "'");
        }
        Optional<Transport> made = Optional.empty();
        if (transport.equals(MEMORY)) {
            made = Optional.of(wrapTransport.apply(transports.apply(new MemoryTransport(network, config))));
            builder.transport(made.get());
        } else if (wrapTransport != UnaryOperator.<Transport>identity()) {
            throw new IllegalStateException("only the memory transport can be wrapped; this cluster's is '"
                    + transport + "'");
        }
        responseCodec.ifPresent(builder::responseCodec);
        Node<C, R> node = builder.start();
        Member<C, R, S, L> member = new Member<>(node, stateMachine, listener, made);
        running.put(id, member);
        last.put(id, member);
        return node;
    }

    /** Returns the configuration {@code id} starts with (a founder's by default). */
    private Config config(NodeId id) {
        return configs.computeIfAbsent(id, k -> {
            if (!founders.contains(k)) {
                throw new IllegalArgumentException(k + " is not a founding voter and was never started");
            }
            return configure(k, founders, false);
        });
    }

    private Config configure(NodeId id, Collection<NodeId> members, boolean joinExisting) {
        Map<NodeId, Address> memberAddresses = new TreeMap<>();
        members.forEach(m -> memberAddresses.put(m, address(m)));
        Config.Builder builder = Config.builder(id, memberAddresses)
                .tickInterval(TICK)
                .electionTimeoutTicks(ELECTION_MIN_TICKS, ELECTION_MAX_TICKS)
                .dataDir(dataDir(id))
                .joinExisting(joinExisting);
        if (!logStore.equals(MEMORY)) {
            builder.logStore(logStore);
        }
        if (!transport.equals(MEMORY)) {
            builder.transport(transport);
        }
        return tuning.apply(builder).build();
    }

    /**
     * Closes node {@code id} and starts it again with the same configuration and disk, so it
     * recovers what it persisted; its state machine starts empty and its listener anew.
     *
     * @param id the node
     * @return the started node
     */
    public Node<C, R> restart(NodeId id) {
        stop(id);
        return start(id);
    }

    /**
     * Closes node {@code id} (its pending calls fail with ShutdownException); its disk keeps what it persisted.
     *
     * @param id the node
     */
    public void stop(NodeId id) {
        Member<C, R, S, L> member = running.remove(id);
        if (member != null) {
            member.node.close();
            afterStop.accept(member.stateMachine);
        }
    }

    /**
     * Returns the running node {@code id}.
     *
     * @throws IllegalArgumentException if it is not running (never started, or stopped)
     * @param id the node
     * @return the running node {@code id}
     */
    public Node<C, R> node(NodeId id) {
        Member<C, R, S, L> member = running.get(id);
        if (member == null) {
            throw new IllegalArgumentException("node " + id + " is not running; running: " + running.keySet());
        }
        return member.node;
    }

    private Member<C, R, S, L> lastMember(NodeId id) {
        return Optional.ofNullable(last.get(id))
                .orElseThrow(() -> new IllegalArgumentException("node " + id + " was never started"));
    }

    /**
     * Returns the last node started as {@code id}, running or closed.
     *
     * @param id the node
     * @return the last node started as {@code id}, running or closed
     */
    public Node<C, R> lastNode(NodeId id) {
        return lastMember(id).node;
    }

    /**
     * Returns the state machine of the last start of {@code id}.
     *
     * @param id the node
     * @return the state machine of the last start of {@code id}
     */
    public S stateMachine(NodeId id) {
        return lastMember(id).stateMachine;
    }

    /**
     * Returns what the listener of the last start of {@code id} heard (also after the node stopped).
     *
     * @param id the node
     * @return what the listener of the last start of {@code id} heard (also after the node stopped)
     */
    public L listener(NodeId id) {
        return lastMember(id).listener;
    }

    /**
     * Returns the memory transport of the last start of {@code id}, as wrapped.
     *
     * @param id the node
     * @return its transport
     * @throws IllegalStateException if this cluster's transport is not {@value #MEMORY}
     */
    public Transport transport(NodeId id) {
        return lastMember(id).transport.orElseThrow(() -> new IllegalStateException(
                "the engine opens the '" + transport + "' transport itself; only memory transports are at hand"));
    }

    /**
     * Returns the ids of the running nodes, in id order.
     *
     * @return the ids of the running nodes, in id order
     */
    public List<NodeId> running() {
        return running.keySet().stream().sorted(Comparator.comparing(NodeId::value)).toList();
    }

    /**
     * Returns the running nodes other than {@code leader}.
     *
     * @param leader the leader
     * @return the running nodes other than {@code leader}
     */
    public List<NodeId> followersOf(NodeId leader) {
        return running().stream().filter(id -> !id.equals(leader)).toList();
    }

    /**
     * Waits until one running node leads, at the highest term among the running nodes, and returns
     * it. Nodes cut off from it may not know it yet; see {@link #awaitAgreedLeader()}.
     *
     * @return the leader
     */
    public NodeId awaitLeader() {
        return awaitLeader(running.keySet());
    }

    /**
     * Waits until one of {@code candidates} leads, at the highest term among them, and returns it.
     *
     * @param candidates the nodes that may lead
     * @return the leader
     */
    public NodeId awaitLeader(Collection<NodeId> candidates) {
        NodeId[] found = new NodeId[1];
        awaitTrue("a leader among " + candidates, () -> {
            found[0] = currentLeader(candidates).orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    /**
     * Waits until exactly one running node leads and every running node knows it as leader; returns it.
     *
     * @return the leader
     */
    public NodeId awaitAgreedLeader() {
        NodeId[] found = new NodeId[1];
        awaitTrue("one leader known to every running node", () -> {
            List<NodeId> leaders = running().stream().filter(id -> node(id).role() == Role.LEADER).toList();
            if (leaders.size() != 1) {
                return false;
            }
            found[0] = leaders.get(0);
            return running().stream().allMatch(id -> node(id).leader().filter(found[0]::equals).isPresent());
        });
        return found[0];
    }

    private Optional<NodeId> currentLeader(Collection<NodeId> candidates) {
        long highestTerm = -1;
        NodeId leader = null;
        for (NodeId id : candidates) {
            Member<C, R, S, L> member = running.get(id);
            if (member == null) {
                continue;
            }
            NodeStatus status = member.node.status();
            if (status.term() > highestTerm) {
                highestTerm = status.term();
                leader = null;
            }
            if (status.term() == highestTerm && status.role() == Role.LEADER) {
                leader = id;
            }
        }
        return Optional.ofNullable(leader);
    }

    /**
     * Returns a running node that believes it leads, else any running node; for client threads.
     *
     * @return a running node, the leader if one is known
     */
    public Optional<NodeId> leaderGuess() {
        List<NodeId> ids = running();
        for (NodeId id : ids) {
            Member<C, R, S, L> member = running.get(id);
            if (member != null && member.node.role() == Role.LEADER) {
                return Optional.of(id);
            }
        }
        return ids.stream().findFirst();
    }

    /**
     * Waits until every running node has applied the same entries: the same applied index, equal to
     * every node's commit index, and state machines that compare equal by {@code applied}.
     *
     * @param applied maps a state machine to what must be equal on every node
     */
    public void awaitConverged(Function<? super S, ?> applied) {
        awaitTrue("the running nodes converge", () -> {
            List<NodeStatus> statuses = running().stream().map(id -> node(id).status()).toList();
            long index = statuses.get(0).appliedIndex();
            boolean sameIndexes = statuses.stream()
                    .allMatch(s -> s.appliedIndex() == index && s.commitIndex() == index);
            Object first = applied.apply(stateMachine(running().get(0)));
            return sameIndexes && running().stream().allMatch(id -> applied.apply(stateMachine(id)).equals(first));
        });
    }

    /**
     * Returns the names of live threads of this cluster's engines ({@code raft-<role>-<node id>}).
     *
     * @return the names of live threads of this cluster's engines ({@code raft-<role>-<node id>})
     */
    public Set<String> engineThreads() {
        Set<String> suffixes = last.keySet().stream().map(id -> "-" + id.value()).collect(Collectors.toSet());
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("raft-") && suffixes.stream().anyMatch(name::endsWith))
                .collect(Collectors.toSet());
    }

    /**
     * Writes {@code command} through whichever node leads, retrying across leader changes; returns the response.
     *
     * @param command the command
     * @return the response
     */
    public R write(C command) {
        return await(onLeader(node -> node.write(command), System.nanoTime() + PATIENCE.toNanos()),
                PATIENCE.plus(PATIENCE));
    }

    /**
     * Writes every command through whoever leads, at most {@code window} at a time, retrying a write
     * that fails because leadership moved (a retried command may apply twice, so the tests' commands
     * are idempotent). Returns the responses when every write completed.
     *
     * @param commands the commands, in order
     * @param window how many writes may be in flight at once
     * @return the responses, in the order of the commands
     * @throws InterruptedException if interrupted while waiting for a free slot
     */
    public List<R> writeAll(List<? extends C> commands, int window) throws InterruptedException {
        Semaphore permits = new Semaphore(window);
        List<CompletableFuture<R>> futures = new ArrayList<>(commands.size());
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        for (C command : commands) {
            permits.acquire();
            CompletableFuture<R> future = onLeader(node -> node.write(command), deadline);
            future.whenComplete((r, e) -> permits.release());
            futures.add(future);
        }
        List<R> responses = new ArrayList<>(futures.size());
        for (CompletableFuture<R> future : futures) {
            responses.add(await(future, PATIENCE.plus(PATIENCE)));
        }
        return responses;
    }

    /**
     * Applies a membership change on whichever node leads, retrying on another leader while leadership moves.
     *
     * @param change the membership call, made on the leader
     * @return the new membership
     */
    public Membership changeMembership(Function<Node<C, R>, CompletableFuture<Membership>> change) {
        return onLeader(change);
    }

    /**
     * Runs {@code call} on whichever node leads, retrying on another leader while leadership moves
     * (so {@code call} must be safe to repeat, e.g. a session write), and returns its result.
     *
     * @param call the call, made on the leader
     * @param <T> the call's result type
     * @return the call's result
     */
    public <T> T onLeader(Function<Node<C, R>, CompletableFuture<T>> call) {
        return await(onLeader(call, System.nanoTime() + PATIENCE.toNanos()), PATIENCE.plus(PATIENCE));
    }

    /**
     * Runs {@code call} on the current leader until it succeeds or fails for another reason than
     * leadership; a retried call must be idempotent, because a failed attempt may still take effect.
     */
    private <T> CompletableFuture<T> onLeader(Function<Node<C, R>, CompletableFuture<T>> call, long deadline) {
        Optional<NodeId> leader = currentLeader(running.keySet());
        CompletableFuture<T> attempt = leader.map(id -> running.get(id))
                .map(member -> call.apply(member.node))
                .orElseGet(() -> CompletableFuture.failedFuture(new NoLeaderException("no node leads at the moment")));
        return attempt.exceptionallyCompose(error -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            boolean retryable = cause instanceof NotLeaderException || cause instanceof NoLeaderException
                    || cause instanceof BusyException;
            if (!retryable || System.nanoTime() > deadline) {
                return CompletableFuture.failedFuture(cause);
            }
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(RETRY_PAUSE.toMillis(), TimeUnit.MILLISECONDS))
                    .thenCompose(ignored -> onLeader(call, deadline));
        });
    }

    /**
     * Has each of {@code ids} apply through {@code index} and then take a snapshot, so that they all
     * hold a snapshot of the same state (whichever of them leads sends the same one).
     *
     * @return each node's snapshot
     * @param index the log index to apply through
     * @param ids the nodes
     */
    public Map<NodeId, SnapshotInfo> snapshotAt(long index, List<NodeId> ids) {
        Map<NodeId, SnapshotInfo> snapshots = new TreeMap<>();
        for (NodeId id : ids) {
            awaitTrue(id + " to apply through " + index, () -> node(id).status().appliedIndex() >= index);
            snapshots.put(id, await(node(id).snapshot(), PATIENCE.multipliedBy(4)));
        }
        return snapshots;
    }

    /**
     * Runs {@code query} on {@code id}'s apply thread (a local, possibly stale read) and waits for it.
     *
     * @param <T> the result type
     * @param id the node
     * @param query the query
     * @return the query's result
     */
    public <T> T readLocal(NodeId id, Supplier<? extends T> query) {
        return await(node(id).readLocal(query));
    }

    /**
     * Runs {@code query} on {@code id}'s state machine on its apply thread (a local read) and waits for it.
     *
     * @param <T> the result type
     * @param id the node
     * @param query the query
     * @return the query's result
     */
    public <T> T readLocal(NodeId id, Function<? super S, ? extends T> query) {
        S stateMachine = stateMachine(id);
        return readLocal(id, () -> query.apply(stateMachine));
    }

    /**
     * Starts a linearizable read of {@code query} on {@code id}'s state machine; {@code id} must lead.
     *
     * @param <T> the result type
     * @param id the node
     * @param query the query
     * @return the query's result, once read
     */
    public <T> CompletableFuture<T> readLinearizable(NodeId id, Function<? super S, ? extends T> query) {
        Member<C, R, S, L> member = running.get(id);
        if (member == null) {
            throw new IllegalArgumentException("node " + id + " is not running; running: " + running.keySet());
        }
        return member.node.readLinearizable(() -> query.apply(member.stateMachine));
    }

    /**
     * Waits for {@code future} up to {@link #PATIENCE}, failing the test with the cluster's state.
     *
     * @param <T> the result type
     * @param future the call's result
     * @return the future's value
     */
    public <T> T await(CompletableFuture<T> future) {
        return await(future, PATIENCE);
    }

    /**
     * Waits for {@code future} up to {@code timeout}, failing the test with its cause and the cluster's state.
     *
     * @param <T> the result type
     * @param future the call's result
     * @param timeout how long to wait
     * @return the future's value
     */
    public <T> T await(CompletableFuture<T> future, Duration timeout) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the call failed: " + e.getCause() + "\n" + describe(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the call did not complete within " + timeout + "\n" + describe(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Waits until {@code condition} holds, failing the test with the cluster's state after {@link #PATIENCE}.
     *
     * @param what the awaited condition, for the failure message
     * @param condition checked until it holds
     */
    public void awaitTrue(String what, BooleanSupplier condition) {
        awaitTrue(what, PATIENCE, condition);
    }

    /**
     * Waits until {@code condition} holds, failing the test with the cluster's state after {@code timeout}.
     *
     * @param what the awaited condition, for the failure message
     * @param timeout how long to wait
     * @param condition checked until it holds
     */
    public void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n" + describe());
            }
            pause(TICK);
        }
    }

    /**
     * Waits until {@code value} returns {@code expected}, failing the test after {@link #PATIENCE}.
     *
     * @param <T> the result type
     * @param what the awaited condition, for the failure message
     * @param value read until it equals {@code expected}
     * @param expected the awaited value
     */
    public <T> void awaitEqual(String what, Supplier<T> value, T expected) {
        awaitTrue(what + " to be " + expected, () -> expected.equals(value.get()));
    }

    /**
     * Sleeps for {@code duration}; fails the test if interrupted.
     *
     * @param duration how long
     */
    public static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Returns one line per running node with its status, for failure messages.
     *
     * @return one line per running node with its status, for failure messages
     */
    public String describe() {
        StringBuilder text = new StringBuilder("cluster " + name + ":\n");
        new TreeMap<>(running).values()
                .forEach(member -> text.append("  ").append(member.node.status()).append('\n'));
        return text.toString();
    }

    /**
     * Closes every running node and the network's delivery thread, and deletes the temporary
     * directory of a real log store. Closing again does nothing more.
     */
    @Override
    public void close() {
        try {
            running().forEach(this::stop);
        } finally {
            deliveries.shutdownNow();
            if (directory != null) {
                deleteTree(directory);
                directory = null;
            }
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the cluster's directory " + root, e);
        }
    }
}
