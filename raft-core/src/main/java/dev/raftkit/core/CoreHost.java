package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.Node;
import dev.raftkit.NodeListener;
import dev.raftkit.NodeState;
import dev.raftkit.RaftHost;
import dev.raftkit.StateMachine;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.HostSetup;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.NodeSetup;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.TaskQueue;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's {@link RaftHost}: every group is a {@link RaftNode} started exactly as a single node
 * is, on the group's views of the host's transport and store, with three things shared instead of
 * owned: the threads (a {@link PooledRuntime}, or the runtime the setup gives), the storage writer
 * ({@link HostStorageWriter}: one sync for every group's pending appends) and the clock
 * ({@link HostTicker}: one timer task per tick for every group). Its groups quiesce when idle
 * ({@code CoreOptions.quiesce()}): the ticker skips them, and the host's {@link HostLiveness}
 * wakes them when a peer host stops answering.
 */
final class CoreHost implements RaftHost {

    /**
     * The host option that lets idle groups quiesce: {@code true} (the default) or {@code false}
     * (every group heartbeats all the time, as a single node does).
     */
    static final String QUIESCE_OPTION = "raftkit.quiesce";
    /** The settings a group's {@link Config} must leave to the {@link HostConfig}. */
    static final Set<Config.Setting> HOST_SETTINGS = EnumSet.of(Config.Setting.TICK_INTERVAL,
            Config.Setting.DATA_DIR, Config.Setting.LOG_STORE, Config.Setting.TRANSPORT, Config.Setting.OPTION,
            Config.Setting.CLUSTER_ID);
    private static final Logger LOG = LoggerFactory.getLogger(CoreHost.class);
    /** How long {@link #close()} waits for the groups, and then for the threads, to stop. */
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final HostConfig config;
    private final HostLogStore store;
    private final HostTransport transport;
    private final RaftRuntime runtime;
    /** The host's own threads; empty when the setup brought a runtime. */
    private final Optional<PooledRuntime> pool;
    private final HostStorageWriter storage;
    /** Where the groups' written snapshots are made durable, off the pool ({@link SnapshotCommit}). */
    private final TaskQueue snapshotCommits;
    private final HostTicker ticker;
    private final HostLiveness liveness;
    /** Whether the groups quiesce when idle ({@link #QUIESCE_OPTION}). */
    private final boolean quiesce;
    /** Started groups, in id order (liveness routes by the smallest); changed under {@code this}. */
    private final SortedMap<GroupId, RaftNode<?, ?>> groups = new ConcurrentSkipListMap<>();
    /**
     * The stops of {@link #stopGroup} in flight, by group: {@link #close()} waits for them, and a
     * group starts again only once its stop completed.
     */
    private final Map<GroupId, CompletableFuture<Void>> stopping = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private CoreHost(HostSetup setup, boolean quiesce, Optional<PooledRuntime> pool, RaftRuntime runtime,
            TaskQueue storageQueue, TaskQueue snapshotCommits, TaskQueue tickerQueue) {
        this.config = setup.config();
        this.quiesce = quiesce;
        this.store = setup.logStore();
        this.transport = setup.transport();
        this.pool = pool;
        this.runtime = runtime;
        this.storage = new HostStorageWriter(store, storageQueue);
        this.snapshotCommits = snapshotCommits;
        long incarnation = 1 + runtime.newRandom().nextLong(RaftMessage.MAX_TERM);
        this.liveness = new HostLiveness(config.address(), incarnation, tickerQueue, () -> groups);
        // Without quiescence no group sleeps, so nothing needs to hear which peer hosts answer.
        this.ticker = new HostTicker(tickerQueue, config.tickInterval().toNanos(),
                quiesce ? liveness::tick : elapsed -> { });
    }

    /**
     * Starts a host: its threads (unless the setup brings a runtime), its transport, its liveness
     * messages and its clock.
     *
     * @throws IllegalArgumentException if the option {@value #QUIESCE_OPTION} is neither {@code true} nor {@code false}
     * @throws IllegalStateException if the transport cannot start; everything is closed again
     */
    static CoreHost start(HostSetup setup) {
        HostConfig config = setup.config();
        boolean quiesce = quiesceOption(config);
        String prefix = "raftkit-host-" + config.address();
        Optional<PooledRuntime> pool = setup.runtime().isPresent()
                ? Optional.empty() : Optional.of(new PooledRuntime(prefix, config.threads()));
        RaftRuntime runtime = setup.runtime().orElseGet(pool::get);
        TaskQueue storageQueue = pool.map(p -> p.newThreadQueue("storage"))
                .orElseGet(() -> runtime.newTaskQueue(prefix + "-storage"));
        TaskQueue snapshotCommits = pool.map(p -> p.newThreadQueue("snapshots"))
                .orElseGet(() -> runtime.newTaskQueue(prefix + "-snapshots"));
        CoreHost host = new CoreHost(setup, quiesce, pool, runtime, storageQueue, snapshotCommits,
                runtime.newTaskQueue(prefix + "-ticker"));
        try {
            setup.transport().start();
        } catch (IOException | RuntimeException e) {
            host.close();
            throw new IllegalStateException("cannot start the transport of host " + config.address() + ": "
                    + e.getMessage(), e);
        }
        host.ticker.start();
        LOG.info("host {} started: {} threads, tick {}", config.address(), config.threads(), config.tickInterval());
        return host;
    }

    private static boolean quiesceOption(HostConfig config) {
        String value = config.option(QUIESCE_OPTION).orElse("true");
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("host option " + QUIESCE_OPTION
                    + " must be true or false, was '" + value + "'");
        };
    }

    @Override
    public Address address() {
        return config.address();
    }

    @Override
    public <C, R> GroupBuilder<C, R> group(GroupId id, Config groupConfig) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(groupConfig, "groupConfig");
        for (Config.Setting setting : groupConfig.explicitlySet()) {
            if (HOST_SETTINGS.contains(setting)) {
                throw new IllegalArgumentException("group " + id + ": its Config sets " + builderMethod(setting)
                        + ", which comes from HostConfig for every group of a host; leave it unset");
            }
        }
        if (!groupConfig.selfAddress().equals(config.address())) {
            throw new IllegalArgumentException("group " + id + ": its Config places " + groupConfig.self() + " at "
                    + groupConfig.selfAddress() + ", but this host is at " + config.address());
        }
        synchronized (this) {
            checkCanStart(id);
        }
        return new Builder<>(id, groupConfig);
    }

    @Override
    public Optional<Node<?, ?>> node(GroupId id) {
        RaftNode<?, ?> node = groups.get(Objects.requireNonNull(id, "id"));
        return node == null || node.status().state() == NodeState.CLOSED ? Optional.empty() : Optional.of(node);
    }

    @Override
    public Set<GroupId> groups() {
        Set<GroupId> running = new TreeSet<>();
        groups.forEach((id, node) -> {
            if (node.status().state() != NodeState.CLOSED) {
                running.add(id);
            }
        });
        return running;
    }

    @Override
    public CompletableFuture<Integer> rebalanceLeaders() {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("host " + config.address()
                    + " is closed: it has no leaders to balance"));
        }
        Map<GroupId, RaftNode<?, ?>> running = new TreeMap<>();
        SortedMap<GroupId, LeaderBalance.Group> known = new TreeMap<>();
        groups.forEach((id, node) -> {
            if (node.status().state() != NodeState.CLOSED) {
                running.put(id, node);
                known.put(id, node.leadership());
            }
        });
        List<LeaderBalance.Transfer> plan = LeaderBalance.plan(config.address(), known);
        LOG.info("host {}: balancing leaders: {} of {} groups to hand over", config.address(), plan.size(),
                known.size());
        List<CompletableFuture<Boolean>> transfers = plan.stream()
                .map(t -> running.get(t.group()).transferLeadership(t.target()).handle((done, e) -> e == null))
                .toList();
        return CompletableFuture.allOf(transfers.toArray(CompletableFuture[]::new))
                .thenApply(all -> (int) transfers.stream().filter(CompletableFuture::join).count());
    }

    @Override
    public CompletableFuture<Void> stopGroup(GroupId id, boolean deleteData) {
        Objects.requireNonNull(id, "id");
        RaftNode<?, ?> node;
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) { // with the start of groups: a group starts again only once this stop completed
            if (closed) {
                return deleteData ? CompletableFuture.failedFuture(new IllegalStateException("host "
                        + config.address() + " is closed: cannot delete the data of group " + id))
                        : CompletableFuture.completedFuture(null);
            }
            node = groups.remove(id);
            if (node == null && !deleteData) {
                return CompletableFuture.completedFuture(null);
            }
            stopping.put(id, done);
        }
        liveness.groupsChanged();
        CompletableFuture<Void> stopped = node == null ? CompletableFuture.completedFuture(null) : node.closeAsync();
        (deleteData ? stopped.thenCompose(v -> deleteData(id)) : stopped).whenComplete((v, e) -> {
            stopping.remove(id, done);
            if (e == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Deletes a stopped group's data on the storage thread, after its store's close queued there. */
    private CompletableFuture<Void> deleteData(GroupId id) {
        CompletableFuture<Void> deleted = new CompletableFuture<>();
        storage.queue().execute(() -> {
            try {
                store.deleteGroup(id);
                deleted.complete(null);
            } catch (IOException | RuntimeException e) {
                deleted.completeExceptionally(e);
            }
        });
        return deleted;
    }

    /**
     * Silences the host's liveness heartbeats (so peer hosts wake the groups it led at once), stops
     * every group (at once, waiting for all), then the ticker, transport, storage and snapshot threads, store and
     * threads.
     */
    @Override
    public void close() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            liveness.silence();
            groups.values().forEach(node -> stops.add(node.closeAsync()));
            groups.clear();
            stops.addAll(stopping.values());
        }
        awaitAll(stops);
        ticker.close();
        transport.close();
        storage.queue().close();
        snapshotCommits.close();
        try {
            store.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("host {}: closing the log store failed", config.address(), e);
        }
        pool.ifPresent(PooledRuntime::close);
        LOG.info("host {} closed", config.address());
    }

    private void awaitAll(List<CompletableFuture<Void>> stops) {
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                    .get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            LOG.warn("host {}: groups still stopping after {} s; closing anyway", config.address(), CLOSE_WAIT_SECONDS);
        } catch (ExecutionException e) {
            LOG.warn("host {}: stopping a group failed", config.address(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts one group; under the host's lock, so a group starts once. */
    private synchronized <C, R> Node<C, R> startGroup(Builder<C, R> parts) {
        GroupId id = parts.id;
        checkCanStart(id);
        Config nodeConfig = nodeConfig(parts.groupConfig);
        LogStore groupStore = null;
        Transport groupTransport = null;
        try {
            groupStore = store.group(id);
            groupTransport = transport.group(id, nodeConfig);
            RaftNode<C, R> node = RaftNode.start(new NodeSetup<>(nodeConfig, parts.stateMachine, parts.codec,
                    groupStore, groupTransport, Optional.of(runtime), parts.listeners,
                    Optional.ofNullable(parts.responseCodec)), new GroupHosting(id));
            groups.put(id, node);
            liveness.groupsChanged();
            return node;
        } catch (IOException e) {
            closeViews(groupStore, groupTransport, e);
            throw new UncheckedIOException("cannot start group " + id + " on host " + config.address() + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeViews(groupStore, groupTransport, e);
            throw e;
        }
    }

    private void checkCanStart(GroupId id) {
        if (closed) {
            throw new IllegalStateException("host " + config.address() + " is closed: cannot start group " + id);
        }
        RaftNode<?, ?> running = groups.get(id);
        if (running != null && running.status().state() == NodeState.RUNNING) {
            throw new IllegalStateException("group " + id + " already runs on host " + config.address());
        }
        CompletableFuture<Void> stop = stopping.get(id);
        if (stop != null && !stop.isDone()) {
            throw new IllegalStateException("group " + id + " is still stopping on host " + config.address()
                    + ": start it again once the future stopGroup returned completes");
        }
    }

    /** The group's settings with the host's: tick, cluster id, data directory, providers and options. */
    private Config nodeConfig(Config groupConfig) {
        Config.Builder b = groupConfig.toBuilder().tickInterval(config.tickInterval()).clusterId(config.clusterId());
        config.dataDir().ifPresent(b::dataDir);
        config.logStore().ifPresent(b::logStore);
        config.transport().ifPresent(b::transport);
        config.options().forEach(b::option);
        return b.build();
    }

    private static void closeViews(LogStore groupStore, Transport groupTransport, Throwable failure) {
        if (groupTransport != null) {
            try {
                groupTransport.close();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        if (groupStore != null) {
            try {
                groupStore.close();
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** {@return the {@link Config.Builder} method that sets {@code setting}, e.g. {@code tickInterval}} */
    static String builderMethod(Config.Setting setting) {
        String[] words = setting.name().toLowerCase(Locale.ROOT).split("_");
        StringBuilder name = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            name.append(Character.toUpperCase(words[i].charAt(0))).append(words[i], 1, words[i].length());
        }
        return name.toString();
    }

    @Override
    public String toString() {
        return "RaftHost[" + config.address() + "]";
    }

    /** A group's share of the host: the host's storage writer and ticker. */
    private final class GroupHosting implements NodeHosting {
        private final GroupId group;

        GroupHosting(GroupId group) {
            this.group = group;
        }

        @Override
        public Optional<GroupId> group() {
            return Optional.of(group);
        }

        @Override
        public boolean quiesce() {
            return quiesce;
        }

        @Override
        public LivenessFilter.Sink liveness() {
            return liveness;
        }

        @Override
        public TaskQueue storageQueue(RaftRuntime nodeRuntime, String label, List<TaskQueue> owned) {
            return storage.queue();
        }

        @Override
        public StorageWriter.Drains drains() {
            return storage.drainsOf(group);
        }

        @Override
        public TaskQueue snapshotCommitQueue(TaskQueue applyQueue) {
            return snapshotCommits;
        }

        @Override
        public TickSource ticks(long tickNanos) {
            return ticker.newSource();
        }
    }

    /** Collects one group's parts; see {@link RaftHost.GroupBuilder}. */
    private final class Builder<C, R> implements GroupBuilder<C, R> {
        private final GroupId id;
        private final Config groupConfig;
        private StateMachine<C, R> stateMachine;
        private Codec<C> codec;
        private Codec<R> responseCodec;
        private final List<NodeListener> listeners = new ArrayList<>();

        Builder(GroupId id, Config groupConfig) {
            this.id = id;
            this.groupConfig = groupConfig;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <C2 extends C, R2> GroupBuilder<C2, R2> stateMachine(StateMachine<C2, R2> stateMachine) {
            Builder<C2, R2> self = (Builder<C2, R2>) (Builder<?, ?>) this;
            self.stateMachine = Objects.requireNonNull(stateMachine, "stateMachine");
            return self;
        }

        @Override
        public GroupBuilder<C, R> codec(Codec<C> codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        @Override
        public GroupBuilder<C, R> responseCodec(Codec<R> responseCodec) {
            this.responseCodec = Objects.requireNonNull(responseCodec, "responseCodec");
            return this;
        }

        @Override
        public GroupBuilder<C, R> listener(NodeListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        @Override
        public Node<C, R> start() {
            if (stateMachine == null) {
                throw new IllegalStateException("group " + id + ": no state machine: call stateMachine(...) before start()");
            }
            if (codec == null) {
                throw new IllegalStateException("group " + id + ": no codec: call codec(...) before start()");
            }
            return startGroup(this);
        }
    }
}
