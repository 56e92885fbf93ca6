package dev.raftkit.bench.cluster;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.examples.CounterStateMachine;
import dev.raftkit.examples.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A 3-node cluster in this JVM on loopback, LMDB with full durability and gRPC, running the counter
 * state machine: what every workload of the harness measures.
 */
final class BenchCluster implements AutoCloseable {

    private final Path dataDir;
    private final Map<NodeId, Address> members = new TreeMap<>();
    private final Map<NodeId, Node<Long, Long>> nodes = new TreeMap<>();
    private final Map<NodeId, CounterStateMachine> counters = new TreeMap<>();
    private final UnaryOperator<Config.Builder> tuning;

    /**
     * @param tuning adjusts each node's configuration (e.g. batching)
     */
    BenchCluster(Path root, UnaryOperator<Config.Builder> tuning) throws IOException {
        this.dataDir = Files.createTempDirectory(root, "cluster");
        this.tuning = tuning;
        List<Integer> ports = LoopbackPorts.distinct(3);
        for (int i = 1; i <= 3; i++) {
            members.put(NodeId.of("b" + i), new Address("127.0.0.1", ports.get(i - 1)));
        }
        members.keySet().forEach(this::start);
    }

    private void start(NodeId id) {
        Config config = tuning.apply(Config.builder(id, members).dataDir(dataDir.resolve(id.value()))
                .logStore("lmdb").transport("grpc").maxInflightWrites(100_000)).build();
        CounterStateMachine counter = new CounterStateMachine();
        counters.put(id, counter);
        nodes.put(id, Raft.builder(config).stateMachine(counter).codec(CounterStateMachine.CODEC)
                .responseCodec(CounterStateMachine.CODEC).start());
    }

    /** Waits for a leader other than {@code not} (null: any) and returns it. */
    Node<Long, Long> awaitLeader(NodeId not) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (Node<Long, Long> n : nodes.values()) {
                if (n.role() == Role.LEADER && !n.id().equals(not)) {
                    return n;
                }
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("no leader within 60 s");
    }

    /** Waits until every other running node follows {@code leader}, and {@return those followers} */
    List<Node<Long, Long>> followersOf(NodeId leader) throws InterruptedException {
        List<Node<Long, Long>> followers = nodes.values().stream().filter(n -> !n.id().equals(leader)).toList();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!followers.stream().allMatch(f -> f.leader().equals(Optional.of(leader)))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the followers did not hear leader " + leader + " within 60 s");
            }
            Thread.sleep(1);
        }
        return followers;
    }

    CounterStateMachine counter(NodeId id) {
        return counters.get(id);
    }

    /** Closes one node, as a failover workload does to the leader. */
    void stop(NodeId id) {
        Node<Long, Long> node = nodes.remove(id);
        if (node != null) {
            node.close();
        }
    }

    @Override
    public void close() throws IOException {
        nodes.values().forEach(Node::close);
        nodes.clear();
        try (Stream<Path> paths = Files.walk(dataDir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
