package dev.raftkit.examples;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The demo a new user runs first: a 3-node cluster on loopback with LMDB storage in a temporary
 * directory and the gRPC transport. It shows who leads, a burst of writes with its throughput, a
 * linearizable read, the leader killed and a new one elected (and how long it took), writes going
 * on, and the killed node restarted and catching up; then it stops everything and removes its files.
 */
public final class Demo {

    private final Map<NodeId, Address> members = new TreeMap<>();
    private final Map<NodeId, Node<Long, Long>> nodes = new TreeMap<>();
    private final Map<NodeId, CounterStateMachine> counters = new TreeMap<>();
    private final Path dataDir;

    private Demo(Path dataDir) {
        this.dataDir = dataDir;
    }

    /**
     * Runs the demo.
     *
     * @param args ignored
     * @throws Exception if a step fails; the demo then exits non-zero
     */
    public static void main(String[] args) throws Exception {
        JulBridge.install();
        Path dir = Files.createTempDirectory("raftkit-demo");
        Demo demo = new Demo(dir);
        try {
            demo.run();
        } finally {
            demo.nodes.values().forEach(Node::close);
            deleteRecursively(dir);
        }
        say("done: every node stopped, %s removed", dir);
    }

    private void run() throws Exception {
        List<Integer> ports = LoopbackPorts.distinct(3);
        for (int i = 1; i <= 3; i++) {
            members.put(NodeId.of("node-" + i), new Address("127.0.0.1", ports.get(i - 1)));
        }
        say("starting 3 nodes (LMDB in %s, gRPC on %s)", dataDir, members.values());
        members.keySet().forEach(this::start);
        long t0 = System.nanoTime();
        Node<Long, Long> leader = awaitLeader(null);
        say("%s leads term %d (elected in %d ms)", leader.id(), leader.status().term(), millisSince(t0));

        int writes = 20_000;
        long start = System.nanoTime();
        List<CompletableFuture<Long>> inFlight = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            inFlight.add(leader.write(1L));
            if (inFlight.size() == 256) {
                inFlight.remove(0).get(10, TimeUnit.SECONDS);
            }
        }
        long last = 0;
        for (CompletableFuture<Long> f : inFlight) {
            last = f.get(10, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        say("%,d durable writes in %.2f s: %,.0f writes/s (256 in flight); counter = %d", writes, seconds,
                writes / seconds, last);

        CounterStateMachine leaderCounter = counters.get(leader.id());
        long read = leader.readLinearizable(leaderCounter::total).get(10, TimeUnit.SECONDS);
        say("linearizable read on %s: counter = %d", leader.id(), read);

        NodeId killed = leader.id();
        say("killing the leader %s ...", killed);
        long killedAt = System.nanoTime();
        leader.close();
        nodes.remove(killed);
        Node<Long, Long> next = awaitLeader(killed);
        say("%s leads term %d, elected %d ms after the old leader stopped", next.id(), next.status().term(),
                millisSince(killedAt));
        for (int i = 0; i < 1000; i++) {
            last = next.write(1L).get(10, TimeUnit.SECONDS);
        }
        say("1,000 more writes on the new leader: counter = %d", last);

        say("restarting %s on its LMDB directory ...", killed);
        start(killed);
        long target = next.status().commitIndex();
        Node<Long, Long> restarted = nodes.get(killed);
        long catchUp = System.nanoTime();
        while (restarted.status().appliedIndex() < target) {
            Thread.sleep(10);
            if (millisSince(catchUp) > 30_000) {
                throw new IllegalStateException(killed + " did not catch up within 30 s");
            }
        }
        long restartedTotal = restarted.readLocal(counters.get(killed)::total).get(10, TimeUnit.SECONDS);
        say("%s caught up in %d ms: applied index %d, counter = %d (the leader says %d)", killed,
                millisSince(catchUp), restarted.status().appliedIndex(), restartedTotal, last);
        if (restartedTotal != last) {
            throw new IllegalStateException("the restarted node disagrees: " + restartedTotal + " != " + last);
        }
    }

    private void start(NodeId id) {
        Config config = Config.builder(id, members).dataDir(dataDir.resolve(id.value())).logStore("lmdb")
                .transport("grpc").build();
        CounterStateMachine counter = new CounterStateMachine();
        counters.put(id, counter);
        nodes.put(id, Raft.builder(config).stateMachine(counter).codec(CounterStateMachine.CODEC).start());
    }

    private Node<Long, Long> awaitLeader(NodeId notThis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (Node<Long, Long> n : nodes.values()) {
                if (n.role() == Role.LEADER && !n.id().equals(notThis)) {
                    return n;
                }
            }
            Thread.sleep(2);
        }
        throw new IllegalStateException("no leader elected within 30 s");
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static void say(String format, Object... args) {
        System.out.println("[raftkit-demo] " + String.format(format, args));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
