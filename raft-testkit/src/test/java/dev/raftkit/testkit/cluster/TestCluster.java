package dev.raftkit.testkit.cluster;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.spi.LogStore;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.memory.MemoryDisk;
import dev.raftkit.testkit.memory.MemoryLogStoreProvider;
import dev.raftkit.testkit.memory.MemoryNetwork;
import dev.raftkit.testkit.memory.MemoryTransportProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A cluster of real engine nodes in this JVM over the {@code memory} log store and transport, each
 * with a {@link RecordingKv} state machine, an {@link InstrumentedTransport} and a
 * {@link RecordingListener}. Nodes are numbered from 0.
 *
 * <p>Every cluster gets node ids, addresses and data directories no other cluster of the JVM uses,
 * so tests do not see each other's nodes on the shared memory network. Link faults set on
 * {@link MemoryNetwork#shared()} are keyed by node id and cleared by {@link #close()}; tests that set
 * them must not run in parallel with each other (surefire runs test classes one at a time here).
 *
 * <p>Used from the test thread only.
 */
final class TestCluster implements AutoCloseable {

    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static final int FIRST_PORT = 41_000;
    private static final int PORTS_PER_CLUSTER = 10;

    private final List<NodeId> ids = new ArrayList<>();
    private final Map<NodeId, Address> members = new LinkedHashMap<>();
    private final List<Config> configs = new ArrayList<>();
    private final List<Member> nodes = new ArrayList<>();

    /** One node slot: the running (or last) node and what the test observes it through. */
    private static final class Member {
        Node<KvCommand, String> node;
        RecordingKv stateMachine;
        InstrumentedTransport transport;
        RecordingListener listener;
        boolean running;
    }

    private TestCluster(int size, UnaryOperator<Config.Builder> tuning) {
        int number = CLUSTERS.incrementAndGet();
        String dataRoot = "/mem/cluster-test/" + UUID.randomUUID();
        for (int i = 0; i < size; i++) {
            NodeId id = NodeId.of("c" + number + "-n" + i);
            ids.add(id);
            members.put(id, new Address("127.0.0.1", FIRST_PORT + number * PORTS_PER_CLUSTER + i));
        }
        for (int i = 0; i < size; i++) {
            Config.Builder builder = Config.builder(ids.get(i), members)
                    .logStore(MemoryLogStoreProvider.NAME)
                    .transport(MemoryTransportProvider.NAME)
                    .dataDir(Path.of(dataRoot, "n" + i))
                    // Longer than the default, so a busy CI machine does not cause spurious elections.
                    .electionTimeoutTicks(40, 80);
            configs.add(tuning.apply(builder).build());
            nodes.add(new Member());
        }
    }

    /**
     * Creates a cluster without starting any node.
     *
     * @param size the number of voters
     * @param tuning changes to the test defaults, applied to every node's configuration
     */
    static TestCluster create(int size, UnaryOperator<Config.Builder> tuning) {
        if (size < 1 || size >= PORTS_PER_CLUSTER) {
            throw new IllegalArgumentException("cluster size must be in [1, " + (PORTS_PER_CLUSTER - 1) + "], was "
                    + size);
        }
        return new TestCluster(size, tuning);
    }

    /** Creates and starts a cluster of {@code size} nodes with the test defaults. */
    static TestCluster startDefault(int size) {
        return create(size, UnaryOperator.identity()).startAll();
    }

    /** Starts every node; returns this cluster. */
    TestCluster startAll() {
        for (int i = 0; i < size(); i++) {
            start(i);
        }
        return this;
    }

    /**
     * Starts node {@code i} with a fresh state machine, transport and listener on the node's data
     * directory: a restart when the node ran before.
     *
     * @return the started node
     */
    Node<KvCommand, String> start(int i) {
        return start(i, UnaryOperator.identity());
    }

    /**
     * Starts node {@code i} as {@link #start(int)} does, on its memory log store wrapped by
     * {@code storeWrapper}.
     *
     * @return the started node
     */
    Node<KvCommand, String> start(int i, UnaryOperator<LogStore> storeWrapper) {
        Member m = nodes.get(i);
        if (m.running) {
            throw new IllegalStateException(ids.get(i) + " is running; stop it first");
        }
        Config config = configs.get(i);
        m.stateMachine = new RecordingKv();
        m.transport = new InstrumentedTransport(new MemoryTransportProvider().open(config));
        m.listener = new RecordingListener();
        LogStore store = new MemoryLogStoreProvider().open(config);
        m.node = Raft.builder(config)
                .stateMachine(m.stateMachine)
                .codec(KvCommand.CODEC)
                .logStore(storeWrapper.apply(store))
                .transport(m.transport)
                .listener(m.listener)
                .start();
        m.running = true;
        return m.node;
    }

    /** Closes node {@code i}; its slot keeps the closed node, state machine and listener. */
    void stop(int i) {
        Member m = nodes.get(i);
        m.running = false;
        m.node.close();
        m.stateMachine.release(); // after close: a held write must fail with ShutdownException
    }

    /** Returns the number of nodes. */
    int size() {
        return ids.size();
    }

    /** Returns the id of node {@code i}. */
    NodeId id(int i) {
        return ids.get(i);
    }

    /** Returns every member's address, by id. */
    Map<NodeId, Address> members() {
        return Map.copyOf(members);
    }

    /** Returns the number of the node with id {@code id}. */
    int indexOf(NodeId id) {
        int i = ids.indexOf(id);
        if (i < 0) {
            throw new IllegalArgumentException(id + " is not a member of " + ids);
        }
        return i;
    }

    /** Returns the memory disk node {@code i} keeps its log on. */
    MemoryDisk disk(int i) {
        return MemoryLogStoreProvider.disk(configs.get(i).dataDir().orElseThrow());
    }

    /** Returns node {@code i} (the last one started in its slot). */
    Node<KvCommand, String> node(int i) {
        return nodes.get(i).node;
    }

    /** Returns the state machine of node {@code i}. */
    RecordingKv sm(int i) {
        return nodes.get(i).stateMachine;
    }

    /** Returns the transport of node {@code i}. */
    InstrumentedTransport transport(int i) {
        return nodes.get(i).transport;
    }

    /** Returns the listener registered on node {@code i} before it started. */
    RecordingListener listener(int i) {
        return nodes.get(i).listener;
    }

    /** Returns the numbers of the running nodes. */
    List<Integer> running() {
        return IntStream.range(0, size()).filter(i -> nodes.get(i).running).boxed().toList();
    }

    /** Returns the numbers of the running nodes other than {@code leader}. */
    List<Integer> followersOf(int leader) {
        return running().stream().filter(i -> i != leader).toList();
    }

    /**
     * Waits until exactly one running node leads and every running node knows it as leader.
     *
     * @return the leader's number
     */
    int awaitLeader() {
        int[] found = {-1};
        Await.until("one leader known to every running node of " + ids, () -> {
            List<Integer> leaders = running().stream().filter(i -> node(i).role() == Role.LEADER).toList();
            if (leaders.size() != 1) {
                return false;
            }
            NodeId leader = id(leaders.get(0));
            found[0] = leaders.get(0);
            return running().stream().allMatch(i -> node(i).leader().filter(leader::equals).isPresent());
        });
        return found[0];
    }

    /**
     * Waits until every running node has applied the same entries: the same applied index, equal to
     * every node's commit index, and the same recorded applies.
     */
    void awaitConverged() {
        Await.until("the running nodes of " + ids + " converge", () -> {
            List<NodeStatus> statuses = running().stream().map(i -> node(i).status()).toList();
            long applied = statuses.get(0).appliedIndex();
            boolean sameIndexes = statuses.stream()
                    .allMatch(s -> s.appliedIndex() == applied && s.commitIndex() == applied);
            List<RecordingKv.Applied> first = sm(running().get(0)).applied();
            return sameIndexes && running().stream().allMatch(i -> sm(i).applied().equals(first));
        });
    }

    /** Returns the names of live threads of this cluster's engines ({@code raft-<role>-<node id>}). */
    Set<String> engineThreads() {
        Set<String> suffixes = ids.stream().map(id -> "-" + id.value()).collect(Collectors.toSet());
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("raft-") && suffixes.stream().anyMatch(name::endsWith))
                .collect(Collectors.toSet());
    }

    /** Closes every node, then releases every apply gate, and heals the shared network. */
    @Override
    public void close() {
        for (int i = 0; i < size(); i++) {
            Member m = nodes.get(i);
            if (m.node != null) {
                m.node.close();
            }
            if (m.stateMachine != null) {
                m.stateMachine.release();
            }
            m.running = false;
        }
        MemoryNetwork.shared().heal();
    }
}
