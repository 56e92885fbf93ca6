package dev.raftkit.testkit.membership;

import dev.raftkit.Address;
import dev.raftkit.BusyException;
import dev.raftkit.Config;
import dev.raftkit.Membership;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import dev.raftkit.testkit.memory.MemoryNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Real-time clusters of {@link KvStateMachine} nodes on the in-memory log store and transport, for
 * the membership tests.
 *
 * <p>Every cluster gets node ids, addresses and data directories no other cluster of the JVM uses,
 * because the {@code memory} providers are JVM-wide: faults of {@link MemoryNetwork#shared()} are
 * keyed by node id, and the log store by data directory. Waiting is bounded by generous timeouts
 * ({@link #PATIENCE}); a timeout fails the test with every node's status.
 *
 * <p>Not thread-safe except {@link #leaderGuess()}, {@link #node}, {@link #readLinearizable} and
 * {@link #running()}, which client threads may call while the test thread changes the cluster.
 */
final class TestCluster implements AutoCloseable {

    /** Time of one tick. */
    static final Duration TICK = Duration.ofMillis(10);
    /** Election timeout range in ticks: wide, so that a loaded machine does not cause spurious elections. */
    static final int ELECTION_MIN_TICKS = 50;
    static final int ELECTION_MAX_TICKS = 100;
    static final int HEARTBEAT_TICKS = 5;
    /** How long any one wait may take before the test fails. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static final AtomicInteger PORTS = new AtomicInteger(30_000);

    /** One running node and what the test keeps about it. */
    private record Member(Node<KvCommand, String> node, KvStateMachine stateMachine, NodeEvents events) {
    }

    private final String name;
    private final UnaryOperator<Config.Builder> tuning;
    private final Map<NodeId, Address> addresses = new ConcurrentHashMap<>();
    private final Map<NodeId, Member> running = new ConcurrentHashMap<>();
    private final Map<NodeId, NodeEvents> events = new ConcurrentHashMap<>();
    private final Map<NodeId, Config> configs = new ConcurrentHashMap<>();
    private int nextNode;

    /** Creates an empty cluster with the default timing. */
    TestCluster() {
        this(UnaryOperator.identity());
    }

    /**
     * Creates an empty cluster.
     *
     * @param tuning adjusts every node's configuration after the defaults of this class are set
     */
    TestCluster(UnaryOperator<Config.Builder> tuning) {
        this.name = "mc" + CLUSTERS.incrementAndGet();
        this.tuning = tuning;
    }

    /** Returns the network every node of the JVM uses; {@link #close} clears the faults set on it. */
    MemoryNetwork network() {
        return MemoryNetwork.shared();
    }

    /** Returns the longest election timeout. */
    Duration electionTimeout() {
        return TICK.multipliedBy(ELECTION_MAX_TICKS);
    }

    /** Returns the shortest election timeout: how long a leadership transfer may take before it is abandoned. */
    Duration minElectionTimeout() {
        return TICK.multipliedBy(ELECTION_MIN_TICKS);
    }

    /** Returns a node id no node of this JVM has used. */
    NodeId newId() {
        return NodeId.of(name + "-n" + (++nextNode));
    }

    /** Returns the address of {@code id}, assigning an unused one on first use. */
    Address address(NodeId id) {
        return addresses.computeIfAbsent(id, k -> new Address("127.0.0.1", PORTS.incrementAndGet()));
    }

    /** Starts {@code size} fresh nodes that form a cluster together, and returns their ids. */
    List<NodeId> bootstrap(int size) {
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
     */
    NodeId startJoining(Collection<NodeId> voters) {
        NodeId id = newId();
        List<NodeId> members = new ArrayList<>(voters);
        members.add(id);
        start(id, members, true);
        return id;
    }

    /** Starts node {@code id} with the given members (self included). */
    Node<KvCommand, String> start(NodeId id, Collection<NodeId> members, boolean joinExisting) {
        Map<NodeId, Address> memberAddresses = new TreeMap<>();
        members.forEach(m -> memberAddresses.put(m, address(m)));
        Config.Builder builder = Config.builder(id, memberAddresses)
                .tickInterval(TICK)
                .electionTimeoutTicks(ELECTION_MIN_TICKS, ELECTION_MAX_TICKS)
                .heartbeatIntervalTicks(HEARTBEAT_TICKS)
                .logStore("memory")
                .transport("memory")
                .dataDir(Path.of("/mem/membership-tests", name, id.value()))
                .joinExisting(joinExisting);
        Config config = tuning.apply(builder).build();
        configs.put(id, config);
        return start(config);
    }

    /**
     * Closes node {@code id} and starts it again with the same configuration and data directory, so
     * it recovers what it persisted; its state machine starts empty and its listener history anew.
     */
    Node<KvCommand, String> restart(NodeId id) {
        Config config = configs.get(id);
        if (config == null) {
            throw new IllegalArgumentException("node " + id + " was never started");
        }
        stop(id);
        return start(config);
    }

    private Node<KvCommand, String> start(Config config) {
        KvStateMachine stateMachine = new KvStateMachine();
        NodeEvents nodeEvents = new NodeEvents();
        Node<KvCommand, String> node = Raft.builder(config)
                .stateMachine(stateMachine)
                .codec(KvCommand.CODEC)
                .listener(nodeEvents)
                .start();
        running.put(config.self(), new Member(node, stateMachine, nodeEvents));
        events.put(config.self(), nodeEvents);
        return node;
    }

    /**
     * Returns the running node {@code id}.
     *
     * @throws IllegalArgumentException if it is not running (never started, or stopped)
     */
    Node<KvCommand, String> node(NodeId id) {
        return member(id).node;
    }

    private Member member(NodeId id) {
        Member member = running.get(id);
        if (member == null) {
            throw new IllegalArgumentException("node " + id + " is not running; running: " + running.keySet());
        }
        return member;
    }

    /** Returns what the listener of node {@code id} heard (also after the node stopped). */
    NodeEvents events(NodeId id) {
        return Optional.ofNullable(events.get(id))
                .orElseThrow(() -> new IllegalArgumentException("node " + id + " was never started"));
    }

    /** Returns the ids of the running nodes. */
    Set<NodeId> running() {
        return Set.copyOf(running.keySet());
    }

    /** Closes node {@code id} (its pending calls fail with ShutdownException); it stays closed. */
    void stop(NodeId id) {
        Member member = running.remove(id);
        if (member != null) {
            member.node.close();
        }
    }

    /** Returns the value node {@code id} has applied for {@code key}, with no consensus round. */
    Optional<String> readLocal(NodeId id, String key) {
        Member member = member(id);
        return await(member.node.readLocal(() -> member.stateMachine.get(key)));
    }

    /** Returns all data node {@code id} has applied, with no consensus round. */
    Map<String, String> dataOf(NodeId id) {
        Member member = member(id);
        return await(member.node.readLocal(member.stateMachine::snapshotOfData));
    }

    /**
     * Starts a linearizable read of {@code key} on node {@code id}, which must lead.
     *
     * @throws IllegalArgumentException if the node is not running
     */
    CompletableFuture<Optional<String>> readLinearizable(NodeId id, String key) {
        Member member = member(id);
        return member.node.readLinearizable(() -> member.stateMachine.get(key));
    }

    /**
     * Waits until exactly one running node leads, at the highest term among the running nodes, and
     * returns it.
     */
    NodeId awaitLeader() {
        return awaitLeader(running());
    }

    /** Waits until one of {@code candidates} leads, at the highest term among them, and returns it. */
    NodeId awaitLeader(Collection<NodeId> candidates) {
        NodeId[] found = new NodeId[1];
        awaitTrue("a leader among " + candidates, () -> {
            found[0] = currentLeader(candidates).orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    /** Returns the node that leads at the highest term among {@code candidates}, if one does. */
    private Optional<NodeId> currentLeader(Collection<NodeId> candidates) {
        long highestTerm = -1;
        NodeId leader = null;
        for (NodeId id : candidates) {
            Member member = running.get(id);
            if (member == null) {
                continue;
            }
            var status = member.node.status();
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

    /** Returns a running node that believes it leads, else any running node; for client threads. */
    Optional<NodeId> leaderGuess() {
        List<NodeId> ids = new ArrayList<>(running.keySet());
        ids.sort(Comparator.comparing(NodeId::value));
        for (NodeId id : ids) {
            Member member = running.get(id);
            if (member != null && member.node.role() == Role.LEADER) {
                return Optional.of(id);
            }
        }
        return ids.stream().findFirst();
    }

    /**
     * Applies a membership change on whichever node leads, retrying on another leader when the
     * leader changes before the change is accepted.
     */
    Membership changeMembership(Function<Node<KvCommand, String>, CompletableFuture<Membership>> change) {
        return onLeader("membership change", change);
    }

    /** Writes {@code key = value} through whichever node leads, retrying across leader changes. */
    void put(String key, String value) {
        onLeader("put " + key + "=" + value, node -> node.write(KvCommand.put(key, value)));
    }

    /**
     * Runs {@code call} on the leader until it succeeds; a retried call must be idempotent, because
     * an attempt that failed with NotLeaderException may still have taken effect.
     */
    private <T> T onLeader(String what, Function<Node<KvCommand, String>, CompletableFuture<T>> call) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            NodeId leader = awaitLeader();
            try {
                return call.apply(node(leader)).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                boolean retryable = e.getCause() instanceof NotLeaderException
                        || e.getCause() instanceof NoLeaderException || e.getCause() instanceof BusyException;
                if (!retryable || System.nanoTime() > deadline) {
                    throw new AssertionError(what + " failed on " + leader + "\n" + describe(), e.getCause());
                }
                pause(TICK.multipliedBy(HEARTBEAT_TICKS));
            } catch (TimeoutException e) {
                throw new AssertionError(what + " did not complete within " + PATIENCE + "\n" + describe(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted during " + what, e);
            }
        }
    }

    /** Waits for {@code future}, failing the test with the cluster's state if it fails or takes too long. */
    <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the call failed: " + e.getCause() + "\n" + describe(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the call did not complete within " + PATIENCE + "\n" + describe(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Waits until {@code condition} holds, failing the test with the cluster's state after {@link #PATIENCE}. */
    void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + PATIENCE + " waiting for " + what + "\n" + describe());
            }
            pause(TICK);
        }
    }

    /** Waits until {@code value} returns {@code expected}, failing the test after {@link #PATIENCE}. */
    <T> void awaitEqual(String what, Supplier<T> value, T expected) {
        awaitTrue(what + " to be " + expected, () -> expected.equals(value.get()));
    }

    /** Sleeps for {@code duration}; restores the interrupt flag if interrupted. */
    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Returns one line per running node with its status, for failure messages. */
    String describe() {
        Map<NodeId, String> lines = new LinkedHashMap<>();
        new TreeMap<>(running).forEach((id, member) -> lines.put(id, member.node.status().toString()));
        StringBuilder text = new StringBuilder("cluster " + name + ":\n");
        lines.values().forEach(line -> text.append("  ").append(line).append('\n'));
        return text.toString();
    }

    /** Closes every running node and clears every fault of the shared network (its defaults have none). */
    @Override
    public void close() {
        try {
            new ArrayList<>(running.keySet()).forEach(this::stop);
        } finally {
            network().heal();
            network().dropProbability(0);
            network().duplicateProbability(0);
            network().delay(Duration.ZERO, Duration.ZERO);
        }
    }
}
