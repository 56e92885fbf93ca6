package dev.raftkit.bench.cluster;

import dev.raftkit.Config;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.SessionId;
import dev.raftkit.ReadPolicy;
import dev.raftkit.examples.CounterStateMachine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.HdrHistogram.Histogram;

/**
 * The cluster harness of issue 11: a 3-node cluster in one JVM on loopback (LMDB with full
 * durability, gRPC), the counter state machine, and the workloads {@code seq-write},
 * {@code write-64}, {@code write-256} (batching off, then on with {@code maxBatchDelayTicks=1}),
 * {@code session-write-64} (writes through one session, as {@code write-64} otherwise),
 * {@code read-64} (linearizable reads on the leader), {@code read-64-follower} (FOLLOWER reads, 64
 * outstanding on each of the two followers, reported as the sum), {@code read-64-lease} (LEASE
 * reads on the leader) and {@code failover}, each with a warm-up, a measured window and 3 repetitions
 * (the median is reported), beside the machine's floor (fsync and loopback round trip); then the
 * workloads of many groups on 3 hosts ({@link GroupWorkloads}: {@code groups-idle},
 * {@code groups-write}, {@code groups-failover}). Prints a table and writes the same numbers to
 * {@code raft-bench/target/bench-results.json}.
 *
 * <p>Run it with {@code raft-bench/run}; {@code --quick} shortens every window for a smoke run.
 */
public final class ClusterBench {

    private final double warmupSeconds;
    private final double windowSeconds;
    private final Path root;
    private final Map<String, Map<String, Number>> json = new LinkedHashMap<>();
    private final List<String> table = new ArrayList<>();

    private ClusterBench(boolean quick, Path root) {
        this.warmupSeconds = quick ? 0.5 : 2;
        this.windowSeconds = quick ? 1 : 5;
        this.root = root;
    }

    /**
     * Runs every workload.
     *
     * @param args {@code --quick} for short windows; {@code --only=<workload>[,<workload>...]} runs the
     *     workloads listed ({@code --only=steady}: 10 minutes of writes, counting leader changes);
     *     {@code --idle-groups=<n>} runs {@code groups-idle} with n groups instead of 1,000;
     *     {@code --memory-hosts} runs the group workloads on the memory store and transport
     * @throws Exception if the cluster fails
     */
    public static void main(String[] args) throws Exception {
        List<String> options = List.of(args);
        boolean quick = options.contains("--quick");
        Set<String> only = options.stream().filter(a -> a.startsWith("--only=")).findFirst()
                .map(a -> Set.of(a.substring(7).split(","))).orElse(null);
        Path root = Files.createDirectories(Path.of("raft-bench", "target", "bench-data"));
        ClusterBench bench = new ClusterBench(quick, root);
        bench.floor();
        Map<String, Shape> workloads = new LinkedHashMap<>();
        workloads.put("seq-write", new Shape(1, false, Operation.WRITE));
        workloads.put("write-64", new Shape(64, false, Operation.WRITE));
        workloads.put("session-write-64", new Shape(64, false, Operation.SESSION_WRITE));
        workloads.put("write-256", new Shape(256, false, Operation.WRITE));
        workloads.put("write-64-batched", new Shape(64, true, Operation.WRITE));
        workloads.put("write-256-batched", new Shape(256, true, Operation.WRITE));
        workloads.put("read-64", new Shape(64, false, Operation.READ_LINEARIZABLE));
        workloads.put("read-64-follower", new Shape(64, false, Operation.READ_FOLLOWER));
        workloads.put("read-64-lease", new Shape(64, false, Operation.READ_LEASE));
        for (Map.Entry<String, Shape> w : workloads.entrySet()) {
            if (only == null || only.contains(w.getKey())) {
                bench.throughput(w.getKey(), w.getValue());
            }
        }
        if (only == null || only.contains("failover")) {
            bench.failover(quick ? 2 : 5);
        }
        if (only != null && only.contains("steady")) {
            bench.steady(quick ? 0.25 : 10);
        }
        GroupWorkloads groups = new GroupWorkloads(root,
                options.contains("--memory-hosts") ? HostProviders.MEMORY : HostProviders.LMDB_GRPC,
                bench.warmupSeconds, bench.windowSeconds, quick);
        if (only == null || only.contains("groups-idle")) {
            int idleGroups = options.stream().filter(a -> a.startsWith("--idle-groups=")).map(a -> a.substring(14))
                    .map(ClusterBench::groupCount).findFirst().orElse(DEFAULT_GROUPS);
            bench.add("groups-idle", groups.idle(idleGroups));
        }
        if (only == null || only.contains("groups-write")) {
            Map<String, Number> single = bench.json.get("write-256");
            bench.add("groups-write", groups.write(single == null ? OptionalDouble.empty()
                    : OptionalDouble.of(single.get("ops_per_sec").doubleValue())));
        }
        if (only == null || only.contains("groups-failover")) {
            bench.add("groups-failover", groups.failover(DEFAULT_GROUPS));
        }
        bench.report(Path.of("raft-bench", "target", "bench-results.json"));
    }

    /** Groups of {@code groups-idle} (unless {@code --idle-groups} says otherwise) and {@code groups-failover}. */
    private static final int DEFAULT_GROUPS = 1000;

    private static int groupCount(String text) {
        try {
            int count = Integer.parseInt(text);
            if (count >= 1) {
                return count;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--idle-groups must be a number of groups, at least 1, was \"" + text
                + '"');
    }

    private void add(String workload, GroupWorkloads.Result result) {
        json.put(workload, result.json());
        table.addAll(result.lines());
        result.lines().forEach(System.out::println);
    }

    private void floor() throws Exception {
        Histogram fsync = Floor.fsync(root, 2000);
        Histogram rtt = Floor.roundTrip(20_000);
        Map<String, Number> floor = new LinkedHashMap<>();
        floor.put("fsync_us", fsync.getValueAtPercentile(50));
        floor.put("rtt_us", rtt.getValueAtPercentile(50));
        json.put("floor", floor);
        table.add(String.format(Locale.ROOT, "%-18s fsync p50 %d us (%,.0f/s); loopback round trip p50 %d us", "floor",
                fsync.getValueAtPercentile(50), 1e6 / fsync.getMean(), rtt.getValueAtPercentile(50)));
    }

    /** What one operation of a workload is, and on which nodes it runs. */
    private enum Operation {
        /** A write on the leader. */
        WRITE,
        /** A write on the leader through one session shared by every chain, each with the next sequence. */
        SESSION_WRITE,
        /** A linearizable read (ReadIndex) on the leader. */
        READ_LINEARIZABLE,
        /** A FOLLOWER read on each follower: the leader gives the read index, the follower serves it. */
        READ_FOLLOWER,
        /** A LEASE read on the leader. */
        READ_LEASE
    }

    /**
     * A workload's shape.
     *
     * @param outstanding operations kept in flight on each node the operation runs on
     * @param batching whether write batching is on ({@code maxBatchDelayTicks=1})
     * @param operation what each operation is
     */
    private record Shape(int outstanding, boolean batching, Operation operation) {
    }

    private void throughput(String name, Shape shape) throws Exception {
        UnaryOperator<Config.Builder> tuning = b -> shape.batching() ? b.maxBatchDelayTicks(1).maxBatchEntries(512) : b;
        List<Load.Window> reps = new ArrayList<>();
        try (BenchCluster cluster = new BenchCluster(root, tuning)) {
            Node<Long, Long> leader = cluster.awaitLeader(null);
            List<Node<Long, Long>> targets = shape.operation() == Operation.READ_FOLLOWER
                    ? cluster.followersOf(leader.id()) : List.of(leader);
            int chains = shape.outstanding() * targets.size();
            SessionId session = shape.operation() == Operation.SESSION_WRITE ? leader.openSession().get() : null;
            AtomicLong sequence = new AtomicLong();
            IntFunction<Supplier<CompletableFuture<?>>> op = chain -> {
                Node<Long, Long> node = targets.get(chain % targets.size());
                CounterStateMachine counter = cluster.counter(node.id());
                return switch (shape.operation()) {
                    case WRITE -> () -> node.write(1L);
                    case SESSION_WRITE -> () -> node.write(session, sequence.incrementAndGet(), 1L);
                    case READ_LINEARIZABLE -> () -> node.readLinearizable(counter::total);
                    case READ_FOLLOWER -> () -> followerRead(node, counter, FOLLOWER_READ_ATTEMPTS);
                    case READ_LEASE -> () -> node.read(ReadPolicy.LEASE, counter::total);
                };
            };
            Load.run(chains, warmupSeconds, op);
            for (int rep = 0; rep < 3; rep++) {
                reps.add(Load.run(chains, windowSeconds, op));
            }
        }
        double cpuMicrosPerOp = reps.stream().mapToLong(Load.Window::cpuNanos).sum() / 1e3
                / Math.max(1, reps.stream().mapToLong(Load.Window::operations).sum());
        reps.sort(Comparator.comparingDouble(Load.Window::opsPerSecond));
        Load.Window median = reps.get(1);
        Histogram h = median.latencyMicros();
        Map<String, Number> row = new LinkedHashMap<>();
        row.put("ops_per_sec", Math.round(median.opsPerSecond()));
        row.put("p50_us", h.getValueAtPercentile(50));
        row.put("p99_us", h.getValueAtPercentile(99));
        row.put("p999_us", h.getValueAtPercentile(99.9));
        row.put("cpu_us_per_op", Math.round(cpuMicrosPerOp * 100) / 100.0);
        json.put(name, row);
        table.add(String.format(Locale.ROOT,
                "%-18s %,10.0f ops/s   p50 %,8d us   p99 %,8d us   p99.9 %,8d us   CPU %,.2f us/op", name,
                median.opsPerSecond(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9), cpuMicrosPerOp));
        if (shape.operation() == Operation.READ_FOLLOWER) {
            table.add(String.format(Locale.ROOT, "%-18s %,d follower reads retried after NoLeaderException", "",
                    FOLLOWER_READ_RETRIES.get()));
        }
        System.out.println(table.get(table.size() - 1));
    }

    /** How often a follower read is tried before the workload fails: a client retries NoLeaderException. */
    private static final int FOLLOWER_READ_ATTEMPTS = 10;

    /**
     * A FOLLOWER read, retried as a client would when the batch's read index did not come within an
     * election timeout (NoLeaderException: on a loaded machine the leader may answer late).
     */
    private static CompletableFuture<Long> followerRead(Node<Long, Long> node, CounterStateMachine counter,
            int attempts) {
        return node.read(ReadPolicy.FOLLOWER, counter::total).exceptionallyCompose(e -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
            if (cause instanceof NoLeaderException && attempts > 1) {
                FOLLOWER_READ_RETRIES.incrementAndGet();
                return followerRead(node, counter, attempts - 1);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /** Follower reads retried in this run, printed with the workload. */
    private static final AtomicLong FOLLOWER_READ_RETRIES = new AtomicLong();

    private void failover(int repetitions) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int rep = 0; rep < repetitions; rep++) {
            try (BenchCluster cluster = new BenchCluster(root, b -> b)) {
                Node<Long, Long> leader = cluster.awaitLeader(null);
                leader.write(1L).get();
                NodeId old = leader.id();
                long start = System.nanoTime();
                cluster.stop(old);
                while (true) {
                    Node<Long, Long> next = cluster.awaitLeader(old);
                    try {
                        next.write(1L).get();
                        break;
                    } catch (java.util.concurrent.ExecutionException e) {
                        Thread.sleep(1); // leadership moved again before the write: ask the next leader
                    }
                }
                millis.add((System.nanoTime() - start) / 1_000_000);
            }
        }
        millis.sort(Long::compare);
        long median = millis.get(millis.size() / 2);
        json.put("failover", Map.of("median_ms", median));
        table.add(String.format(Locale.ROOT, "%-18s median %d ms over %d repetitions %s", "failover", median,
                repetitions, millis));
    }

    /**
     * Writes with 64 outstanding for {@code minutes} on default settings and counts leader changes:
     * every election raises the term, so a stable leader ends the load in the term it began in.
     * Not in the default run, because of its length: {@code --only=steady}.
     */
    private void steady(double minutes) throws Exception {
        try (BenchCluster cluster = new BenchCluster(root, b -> b)) {
            Node<Long, Long> leader = cluster.awaitLeader(null);
            long startTerm = leader.status().term();
            Load.Window window = Load.run(64, minutes * 60, () -> leader.write(1L));
            long changes = leader.status().term() - startTerm;
            json.put("steady", Map.of("minutes", minutes, "ops_per_sec", Math.round(window.opsPerSecond()),
                    "leader_changes", changes));
            table.add(String.format(Locale.ROOT, "%-18s %,10.0f ops/s for %.2f min; leader changes: %d", "steady",
                    window.opsPerSecond(), minutes, changes));
        }
    }

    private void report(Path jsonFile) throws IOException {
        long peakRssKb = peakRssKb();
        json.put("peak_rss", Map.of("kib", peakRssKb));
        table.add(String.format(Locale.ROOT, "%-18s %,d MiB", "peak RSS", peakRssKb / 1024));
        System.out.println();
        System.out.println("Raftkit cluster harness: 3 nodes in one JVM, LMDB (full durability) + gRPC on loopback");
        table.forEach(System.out::println);
        StringBuilder sb = new StringBuilder("{\n");
        int i = 0;
        for (Map.Entry<String, Map<String, Number>> e : json.entrySet()) {
            sb.append("  \"").append(e.getKey()).append("\": {");
            int j = 0;
            for (Map.Entry<String, Number> f : e.getValue().entrySet()) {
                sb.append(j++ > 0 ? ", " : "").append('"').append(f.getKey()).append("\": ").append(f.getValue());
            }
            sb.append('}').append(++i < json.size() ? ",\n" : "\n");
        }
        sb.append("}\n");
        Files.writeString(jsonFile, sb);
        System.out.println("JSON: " + jsonFile.toAbsolutePath());
    }

    private static long peakRssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
