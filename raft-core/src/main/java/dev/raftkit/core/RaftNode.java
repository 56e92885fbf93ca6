package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.BusyException;
import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.Membership;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.NodeState;
import dev.raftkit.NodeStatus;
import dev.raftkit.RaftException;
import dev.raftkit.ReadPolicy;
import dev.raftkit.Role;
import dev.raftkit.SessionId;
import dev.raftkit.ShutdownException;
import dev.raftkit.SnapshotInfo;
import dev.raftkit.StateMachine;
import dev.raftkit.core.protocol.CoreOptions;
import dev.raftkit.core.protocol.RaftCore;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.NodeSetup;
import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.TaskQueue;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's {@link Node}: checks and encodes calls on the caller's thread, then hands them to
 * the {@link Driver} (consensus) or the {@link Applier} (local reads).
 *
 * @param <C> the command type
 * @param <R> the response type
 */
final class RaftNode<C, R> implements Node<C, R>, HostLiveness.Group {

    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
    /** How long {@link #close()} waits for queued persists to finish. */
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final Config config;
    /** How logs and errors name the node ({@link NodeHosting#label}). */
    private final String label;
    private final Codec<C> codec;
    private final Driver<C, R> driver;
    /** The node's transport: the driver's outbox sends on it, and so does the host's liveness. */
    private final Transport transport;
    private final Applier<C, R> applier;
    private final Notifier notifier;
    private final Outstanding outstanding;
    private final LeaderWaits leaderWaits;
    private final List<TaskQueue> queues;
    private final EngineMetrics metrics;
    /** Whether the node has a response codec, which sessions need. */
    private final boolean sessionsEnabled;
    private final LogClock logClock;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Completes once the node's store is closed and its queues are stopped. */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private RaftNode(Config config, String label, Codec<C> codec, Driver<C, R> driver, Transport transport,
            Applier<C, R> applier, Notifier notifier, Outstanding outstanding, LeaderWaits leaderWaits,
            List<TaskQueue> queues, EngineMetrics metrics, boolean sessionsEnabled, LogClock logClock) {
        this.sessionsEnabled = sessionsEnabled;
        this.logClock = logClock;
        this.config = config;
        this.label = label;
        this.codec = codec;
        this.driver = driver;
        this.transport = transport;
        this.applier = applier;
        this.notifier = notifier;
        this.outstanding = outstanding;
        this.leaderWaits = leaderWaits;
        this.queues = queues;
        this.metrics = metrics;
    }

    /** Recovers a single node's state from its log store, starts its transport and its clock. */
    static <C, R> RaftNode<C, R> start(NodeSetup<C, R> setup) {
        return start(setup, NodeHosting.ALONE);
    }

    /**
     * Recovers the node's state from its log store, starts its transport and its clock; a group of
     * a host takes its storage writer and ticks from {@code hosting}.
     */
    static <C, R> RaftNode<C, R> start(NodeSetup<C, R> setup, NodeHosting hosting) {
        Config config = setup.config();
        RaftRuntime runtime = setup.runtime().orElse(SystemRuntime.INSTANCE);
        LogStore store = setup.logStore();
        Transport transport = setup.transport();
        String id = hosting.label(config);
        CoreOptions options = CoreOptions.of(config, transport.maxMessageBytes()).withQuiesce(hosting.quiesce());
        EngineMetrics metrics = MetricsOption.metrics(config, hosting.group(), runtime::nanoTime);
        HardState hardState;
        SnapshotMeta snapshot;
        SessionTable<R> sessions = new SessionTable<>(config.sessionWindow(), config.sessionTimeout().toNanos(),
                config.maxSessions(), setup.responseCodec(),
                config.option(SessionTable.UNSAFE_SKIP_DEDUPLICATION).map(Boolean::parseBoolean).orElse(false));
        try {
            hardState = store.hardState();
            snapshot = recoverSnapshot(store, setup.stateMachine(), sessions).orElse(null);
        } catch (IOException e) {
            throw new IllegalStateException("[" + id + "] cannot recover from the log store: " + e.getMessage(), e);
        }
        Membership membership = snapshot != null ? snapshot.membership() : bootstrapMembership(config);
        RaftCore core = new RaftCore(config.self(), id, options, store, hardState, membership, snapshot,
                runtime.newRandom());
        List<TaskQueue> queues = new ArrayList<>();
        TaskQueue driverThread = runtime.newTaskQueue("raft-driver-" + id);
        // A single node on real threads lets its transport run the driver (see SharedDriverQueue);
        // a host's pool, the simulator and manual runtimes keep every step on the driver's queue.
        DriverQueue driverQueue = add(queues, setup.runtime().isEmpty() && hosting.group().isEmpty()
                ? new SharedDriverQueue(driverThread, transport.sendingThread())
                : DriverQueue.ownThread(driverThread));
        TaskQueue storageQueue = hosting.storageQueue(runtime, id, queues);
        TaskQueue applyQueue = add(queues, runtime.newTaskQueue("raft-apply-" + id));
        TaskQueue notifyQueue = add(queues, runtime.newTaskQueue("raft-notify-" + id));
        LeaderWaits leaderWaits = new LeaderWaits(id);
        Outstanding outstanding = new Outstanding(leaderWaits);
        LogClock logClock = new LogClock(runtime::nanoTime);
        logClock.observe(sessions.now());
        Notifier notifier = new Notifier(id, notifyQueue, leaderWaits);
        setup.listeners().forEach(notifier::add);
        Driver<C, R> driver = new Driver<>(config, id, core, store, transport, driverQueue, storageQueue,
                hosting.drains(), hosting.ticks(config.tickInterval().toNanos()), notifier, outstanding, metrics,
                runtime::nanoTime,
                reports -> new Applier<>(id, setup.stateMachine(), setup.codec(), applyQueue,
                        hosting.snapshotCommitQueue(applyQueue), store, snapshot,
                        membership, core.commitIndex(), config.snapshotThreshold(), sessions, logClock, metrics,
                        reports));
        Applier<C, R> applier = driver.applier();
        try {
            Map<NodeId, Address> peers = new TreeMap<>(membership.addresses());
            peers.remove(config.self());
            transport.updatePeers(peers);
            transport.start(new LivenessFilter(driver, member -> driver.view().membership().addressOf(member),
                    hosting.liveness(), hosting.quiesce()));
        } catch (IOException | RuntimeException e) {
            queues.forEach(TaskQueue::close);
            throw new IllegalStateException("[" + id + "] cannot start the transport: " + e.getMessage(), e);
        }
        driver.start();
        LOG.info("[{}] started: term {}, last index {}, commit index {}", id, core.term(), core.lastIndex(),
                core.commitIndex());
        RaftNode<C, R> node = new RaftNode<>(config, id, setup.codec(), driver, transport, applier, notifier,
                outstanding, leaderWaits, queues, metrics, setup.responseCodec().isPresent(), logClock);
        metrics.bind(node::status, outstanding::inflightWrites);
        return node;
    }

    /**
     * Restores the state machine and {@code sessions} from the latest snapshot, if any, and makes
     * the log continue from it: a log that does not reach the snapshot, or disagrees with it, is
     * reset to start after it (a crash between committing a received snapshot and resetting the log
     * leaves that state).
     */
    private static Optional<SnapshotMeta> recoverSnapshot(LogStore store, StateMachine<?, ?> stateMachine,
            SessionTable<?> sessions) throws IOException {
        Optional<SnapshotMeta> latest = store.latestSnapshot();
        if (latest.isEmpty()) {
            return latest;
        }
        SnapshotMeta meta = latest.get();
        InputStream in;
        try {
            in = store.openSnapshot(meta); // verified whole before the state machine sees a byte
        } catch (IOException e) {
            throw DamagedSnapshot.unreadable(meta, e);
        }
        try (in) {
            stateMachine.restoreSnapshot(SnapshotFormat.readEngineState(in, sessions));
        }
        boolean reachesSnapshot = meta.index() >= store.firstIndex() - 1 && meta.index() <= store.lastIndex();
        if (!reachesSnapshot || store.term(meta.index()) != meta.term()) {
            store.reset(meta.index(), meta.term());
        }
        return latest;
    }

    /**
     * The configuration of a node with no snapshot: all members as voters, or, for a node joining a
     * running cluster, the others only, so it neither campaigns nor votes until the leader sends it a
     * configuration that includes it.
     */
    private static Membership bootstrapMembership(Config config) {
        if (!config.joinExisting()) {
            return new Membership(0, config.members(), Map.of());
        }
        Map<NodeId, Address> others = new TreeMap<>(config.members());
        others.remove(config.self());
        if (others.isEmpty()) {
            throw new IllegalArgumentException("joinExisting needs the running cluster's voters in members, "
                    + "but members holds only " + config.self());
        }
        return new Membership(0, others, Map.of());
    }

    private static <Q extends TaskQueue> Q add(List<TaskQueue> queues, Q queue) {
        queues.add(queue);
        return queue;
    }

    @Override
    public NodeId id() {
        return config.self();
    }

    @Override
    public CompletableFuture<R> write(C command) {
        Objects.requireNonNull(command, "command");
        CompletableFuture<R> future = new CompletableFuture<>();
        return submit(future, PendingWrite.single(future, outstanding), () -> {
            byte[] payload = codec.encode(command);
            checkCommandBytes(payload.length, "command");
            return payload;
        });
    }

    /**
     * Submits one entry's write unless the node stopped or too many writes are in flight; a
     * failure of {@code encode} (the codec's, or a refusal) fails the write with nothing appended.
     */
    private <T> CompletableFuture<T> submit(CompletableFuture<T> future, PendingWrite<R> write,
            Supplier<byte[]> encode) {
        metrics.trackWrite(future);
        if (!reserve(1, future)) {
            return future;
        }
        outstanding.trackWrite(write);
        byte[] payload;
        try {
            payload = encode.get();
        } catch (RuntimeException e) {
            write.fail(e);
            return future;
        }
        driver.submitWrite(List.of(payload), write);
        return future;
    }

    @Override
    public CompletableFuture<List<R>> writeBatch(List<? extends C> commands) {
        Objects.requireNonNull(commands, "commands");
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("writeBatch needs at least one command");
        }
        CompletableFuture<List<R>> future = new CompletableFuture<>();
        metrics.trackWrite(future);
        if (!reserve(commands.size(), future)) {
            return future;
        }
        PendingWrite<R> write = outstanding.trackWrite(PendingWrite.batch(future, commands.size(), outstanding));
        List<byte[]> payloads = new ArrayList<>(commands.size());
        try {
            long bytes = 0;
            for (C command : commands) {
                byte[] payload = codec.encode(Objects.requireNonNull(command, "command in batch"));
                bytes += payload.length;
                payloads.add(payload);
            }
            checkCommandBytes(bytes, "batch of " + commands.size() + " commands");
        } catch (RuntimeException e) {
            write.fail(e);
            return future;
        }
        driver.submitWrite(payloads, write);
        return future;
    }

    /**
     * Refuses a write larger than {@code maxCommandBytes}, which the transport may not carry: once
     * appended, it would hold up every later entry.
     */
    private void checkCommandBytes(long encodedBytes, String what) {
        if (encodedBytes > config.maxCommandBytes()) {
            throw new IllegalArgumentException("[" + label + "] " + what + " encodes to " + encodedBytes
                    + " bytes, over maxCommandBytes (" + config.maxCommandBytes() + "); nothing was appended");
        }
    }

    /**
     * Reserves room for a write, else fails its future as refused: the node stopped, or too many
     * writes are in flight.
     */
    private boolean reserve(int writes, CompletableFuture<?> future) {
        RaftException refusal = outstanding.refusal();
        if (refusal != null) {
            future.completeExceptionally(refusal);
            return false;
        }
        if (!outstanding.tryReserve(writes, config.maxInflightWrites())) {
            future.completeExceptionally(new BusyException("[" + label + "] " + outstanding.inflightWrites()
                    + " writes in flight; maxInflightWrites is " + config.maxInflightWrites()));
            return false;
        }
        return true;
    }

    @Override
    public <T> CompletableFuture<T> readLinearizable(Supplier<? extends T> query) {
        return readThroughDriver(ReadPolicy.LINEARIZABLE, query);
    }

    /** Submits a read that needs a read index from the core (ReadIndex, the leader's answer, or the lease). */
    private <T> CompletableFuture<T> readThroughDriver(ReadPolicy policy, Supplier<? extends T> query) {
        Objects.requireNonNull(query, "query");
        CompletableFuture<T> future = outstanding.track(new CompletableFuture<>());
        driver.submitRead(policy, query, future);
        return future;
    }

    @Override
    public <T> CompletableFuture<T> readLocal(Supplier<? extends T> query) {
        Objects.requireNonNull(query, "query");
        CompletableFuture<T> future = outstanding.track(new CompletableFuture<>());
        applier.readLocal(query, future);
        return future;
    }

    @Override
    public <T> CompletableFuture<T> read(ReadPolicy policy, Supplier<? extends T> query) {
        Objects.requireNonNull(policy, "policy");
        return switch (policy) {
            case LINEARIZABLE -> readLinearizable(query);
            case LOCAL -> readLocal(query);
            case FOLLOWER, LEASE -> readThroughDriver(policy, query);
        };
    }

    @Override
    public CompletableFuture<NodeId> awaitLeader() {
        return leaderWaits.await(this::leader);
    }

    @Override
    public CompletableFuture<SessionId> openSession() {
        return submitSession(SessionEntry::open);
    }

    @Override
    public CompletableFuture<R> write(SessionId session, long sequence, C command) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(command, "command");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequences of a session start at 1, was " + sequence);
        }
        return submitSession(stamp -> {
            byte[] payload = codec.encode(command);
            checkCommandBytes(payload.length + (long) SessionEntry.overheadBytes(),
                    "session write (command plus session header)");
            return SessionEntry.write(stamp, session.value(), sequence, payload);
        });
    }

    @Override
    public CompletableFuture<Void> closeSession(SessionId session) {
        Objects.requireNonNull(session, "session");
        return submitSession(stamp -> SessionEntry.close(stamp, session.value()));
    }

    /**
     * Submits a session entry, encoded by {@code encode} with the log time to stamp in it; fails at once
     * without a response codec, on any role, as recorded responses could not go into snapshots.
     */
    private <T> CompletableFuture<T> submitSession(LongFunction<byte[]> encode) {
        CompletableFuture<T> future = new CompletableFuture<>();
        if (!sessionsEnabled) {
            future.completeExceptionally(new IllegalStateException("[" + label + "] sessions need a "
                    + "responseCodec: build the node with Raft.builder(..).responseCodec(..)"));
            return future;
        }
        return submit(future, PendingWrite.session(future, outstanding), () -> encode.apply(logClock.stamp()));
    }

    @Override
    public Optional<NodeId> leader() {
        return reportedLeader(driver.view(), state());
    }

    @Override
    public Role role() {
        return reportedRole(driver.view(), state());
    }

    /** {@return what {@link LeaderBalance} needs of this node: its id, the leader it knows, its configuration} */
    LeaderBalance.Group leadership() {
        CoreView v = driver.view();
        return new LeaderBalance.Group(config.self(), reportedLeader(v, state()), v.membership());
    }

    @Override
    public NodeId self() {
        return config.self();
    }

    @Override
    public Membership membership() {
        return driver.view().membership();
    }

    @Override
    public int heartbeatIntervalTicks() {
        return config.heartbeatIntervalTicks();
    }

    @Override
    public int electionTimeoutTicksMin() {
        return config.electionTimeoutTicksMin();
    }

    @Override
    public void wakeFor(PeerHostChange change, int groupHash) {
        driver.wakeFor(change, groupHash);
    }

    @Override
    public void sendLiveness(Heartbeat heartbeat) {
        transport.send(heartbeat);
    }

    @Override
    public NodeStatus status() {
        long applied = applier.applied();
        CoreView v = driver.view();
        NodeState state = state();
        return new NodeStatus(config.self(), reportedRole(v, state), v.term(), reportedLeader(v, state),
                Math.max(v.commitIndex(), applied), applied, v.lastLogIndex(), Math.min(v.snapshotIndex(), applied),
                v.membership().voters().keySet(), v.membership().learners().keySet(), state);
    }

    /** {@return whether this node runs, was closed, or failed: what stopped it first decides} */
    private NodeState state() {
        RaftException terminal = outstanding.terminal();
        if (terminal == null) {
            return NodeState.RUNNING;
        }
        return terminal instanceof ShutdownException ? NodeState.CLOSED : NodeState.FAILED;
    }

    /** {@return the role to report: the live one while running, never a live one once stopped} */
    private static Role reportedRole(CoreView view, NodeState state) {
        return state == NodeState.RUNNING || view.role() == Role.LEARNER ? view.role() : Role.FOLLOWER;
    }

    /** {@return the leader to report: none once stopped} */
    private static Optional<NodeId> reportedLeader(CoreView view, NodeState state) {
        return state == NodeState.RUNNING ? view.leader() : Optional.empty();
    }

    @Override
    public void addListener(NodeListener listener) {
        notifier.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public CompletableFuture<Void> transferLeadership(NodeId target) {
        Objects.requireNonNull(target, "target");
        CompletableFuture<Void> future = outstanding.track(new CompletableFuture<>());
        driver.submitTransfer(target, future);
        return future;
    }

    @Override
    public CompletableFuture<Membership> addVoter(NodeId id, Address address) {
        return changeMembership(MembershipChanges.Kind.ADD_VOTER, id, Objects.requireNonNull(address, "address"));
    }

    @Override
    public CompletableFuture<Membership> addLearner(NodeId id, Address address) {
        return changeMembership(MembershipChanges.Kind.ADD_LEARNER, id, Objects.requireNonNull(address, "address"));
    }

    @Override
    public CompletableFuture<Membership> removeMember(NodeId id) {
        return changeMembership(MembershipChanges.Kind.REMOVE, id, null);
    }

    private CompletableFuture<Membership> changeMembership(MembershipChanges.Kind kind, NodeId id, Address address) {
        Objects.requireNonNull(id, "id");
        CompletableFuture<Membership> future = outstanding.track(new CompletableFuture<>());
        driver.submitMembershipChange(kind, id, address, future);
        return future;
    }

    @Override
    public CompletableFuture<SnapshotInfo> snapshot() {
        CompletableFuture<SnapshotInfo> future = outstanding.track(new CompletableFuture<>());
        applier.snapshotNow(future);
        return future;
    }

    @Override
    public void close() {
        if (!beginClose()) {
            return;
        }
        if (queues.stream().anyMatch(TaskQueue::inQueue)) {
            return; // called from a callback on a node thread: waiting here would deadlock
        }
        try {
            stopped.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            LOG.warn("[{}] close: the log store did not close within {} s; stopping anyway", label,
                    CLOSE_WAIT_SECONDS);
            queues.forEach(TaskQueue::close);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            queues.forEach(TaskQueue::close);
        } catch (ExecutionException e) {
            throw new IllegalStateException("[" + label + "] close failed", e.getCause()); // stopped never fails
        }
        metrics.close();
        LOG.info("[{}] closed", label);
    }

    /**
     * Closes the node as {@link #close()} does, without waiting: for a host, which stops many
     * groups at once.
     *
     * @return completes once the node's store is closed and its queues are stopped
     */
    CompletableFuture<Void> closeAsync() {
        if (!beginClose()) {
            return stopped;
        }
        return stopped.thenRun(() -> {
            metrics.close();
            LOG.info("[{}] closed", label);
        });
    }

    /**
     * Fails what is outstanding and stops the driver, once: {@link #stopped} completes when the
     * store is closed and the queues are stopped.
     *
     * @return whether this call began closing
     */
    private boolean beginClose() {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        outstanding.stop(new ShutdownException("[" + label + "] the node is shut down"));
        // Runs on the storage queue once the store is closed; a queue may close itself from its own task.
        driver.stop(() -> {
            queues.forEach(TaskQueue::close);
            stopped.complete(null);
        });
        return true;
    }

    /** {@return where this node reports its metrics}, for {@link RaftkitMetrics} */
    EngineMetrics metrics() {
        return metrics;
    }
}
