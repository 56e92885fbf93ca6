package dev.raftkit.it.harness;

import dev.raftkit.Address;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.ReadPolicy;
import dev.raftkit.testkit.kv.KvCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cluster of real nodes (raft-core, LMDB, gRPC, configured by {@link NodeTuning}) in this JVM,
 * each with a {@link RecordingKvStateMachine} and its own LMDB directory. Each node is given its
 * own members map, so it can reach its peers through proxies.
 *
 * <p>Thread-safe. Close it to stop every node.
 */
public final class LocalCluster implements ClusterAccess, AutoCloseable {

    private record Running(Node<KvCommand, String> node, RecordingKvStateMachine state, String incarnation) {
    }

    private final Map<NodeId, Map<NodeId, Address>> membersByNode;
    private final Path dataRoot;
    private final Map<NodeId, Running> running = new ConcurrentHashMap<>();
    private final AtomicInteger incarnations = new AtomicInteger();

    private LocalCluster(Map<NodeId, Map<NodeId, Address>> membersByNode, Path dataRoot) {
        this.membersByNode = new TreeMap<>(membersByNode);
        this.dataRoot = dataRoot;
    }

    /**
     * Starts every node.
     *
     * @param membersByNode for each node, the members map it is configured with (its own real
     *     address, and where it reaches each peer)
     * @param dataRoot the directory under which each node keeps its LMDB files
     * @return the running cluster
     */
    public static LocalCluster start(Map<NodeId, Map<NodeId, Address>> membersByNode, Path dataRoot) {
        LocalCluster cluster = new LocalCluster(membersByNode, dataRoot);
        try {
            membersByNode.keySet().forEach(cluster::start);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * Starts (or restarts, on the same directory) one node.
     *
     * @throws IllegalStateException if it is running
     */
    public void start(NodeId id) {
        if (running.containsKey(id)) {
            throw new IllegalStateException(id + " is already running");
        }
        RecordingKvStateMachine state = new RecordingKvStateMachine();
        Node<KvCommand, String> node = Raft.builder(NodeTuning.config(id, membersByNode.get(id),
                        dataRoot.resolve(id.value())))
                .stateMachine(state).codec(KvCommand.CODEC).start();
        running.put(id, new Running(node, state, id + "#" + incarnations.incrementAndGet()));
    }

    /** Stops one node gracefully; does nothing if it is not running. */
    public void stop(NodeId id) {
        Running node = running.remove(id);
        if (node != null) {
            node.node().close();
        }
    }

    @Override
    public List<NodeId> nodes() {
        return new ArrayList<>(membersByNode.keySet());
    }

    @Override
    public String write(NodeId node, KvCommand command, Duration timeout) throws OperationException {
        return Futures.await(running(node).node().write(command), timeout);
    }

    @Override
    public Optional<String> read(NodeId node, String key, Duration timeout) throws OperationException {
        return read(node, key, ReadPolicy.LINEARIZABLE, timeout);
    }

    /**
     * Reads {@code key} on {@code node} with {@code Node.read(policy, ...)}.
     *
     * @return the value, or empty if the key is absent
     * @throws OperationException if no answer came, saying why
     */
    public Optional<String> read(NodeId node, String key, ReadPolicy policy, Duration timeout)
            throws OperationException {
        Running target = running(node);
        return Futures.await(target.node().read(policy, () -> target.state().get(key)), timeout);
    }

    @Override
    public Optional<NodeObservation> observe(NodeId node) {
        Running target = running.get(node);
        return target == null ? Optional.empty()
                : Optional.of(NodeObservation.of(target.incarnation(), target.node().status()));
    }

    @Override
    public Ledger ledger(NodeId node, Duration timeout) throws OperationException {
        Running target = running(node);
        return Futures.await(target.node().readLocal(target.state()::ledger), timeout);
    }

    /** Stops every node. */
    @Override
    public void close() {
        running.keySet().forEach(this::stop);
    }

    private Running running(NodeId id) throws OperationException {
        Running node = running.get(id);
        if (node == null) {
            throw new OperationException(FailureKind.UNREACHABLE, null, id + " is not running", null);
        }
        return node;
    }
}
