package dev.raftkit.it.harness;

import dev.raftkit.NodeId;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.linearizability.History;
import dev.raftkit.testkit.linearizability.KvInput;
import dev.raftkit.testkit.linearizability.KvOutput;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent clients on the key-value state machine, recording every operation in a
 * {@link History} timed by {@link System#nanoTime()} in this JVM.
 *
 * <p><b>Operations.</b> Each client loops over puts of unique values, linearizable reads and
 * compare-and-sets from the last value it saw. Writes that succeed are recorded ok; writes that
 * fail in a way that {@link OperationException#writeCertainlyNotApplied() rules out any effect}
 * (NoLeader, Busy, an unreachable node, or any Raft error whose {@code mayHaveCommitted()} is
 * false) are recorded failed; every other failed write (a NotLeader or Shutdown after the write
 * was accepted, timeouts, transport errors) is recorded unknown
 * and the client continues under a fresh process id. Failed reads are recorded failed (they have
 * no effect). Clients follow leader hints and move to another node on other errors.
 *
 * <p><b>Keys.</b> The key space rotates every {@link Settings#keyPeriod()}: clients pick among
 * {@link Settings#keysPerPeriod()} keys of the current period, so each key's history stays short
 * enough for the checker (RELIABILITY.md P7). A period also ends early once its keys collected
 * {@value #MAX_UNKNOWN_PER_KEY} unknown outcomes per key, since every unknown write stays
 * concurrent with everything after it and widens the checker's search.
 *
 * <p><b>After the faults.</b> {@link #awaitWritable} measures recovery with probe writes and
 * {@link #finalReads} reads every key on the leader; both are recorded in the same history, so the
 * checker also proves that no acknowledged write was lost.
 *
 * <p>Thread-safe; {@link #start()} and {@link #stop()} are called once each, from the test thread.
 */
public final class KvWorkload {

    /**
     * How the clients run.
     *
     * @param clients how many client threads
     * @param opTimeout how long a client waits for one answer
     * @param keyPeriod how long one set of keys is used
     * @param keysPerPeriod how many keys the clients share in one period
     * @param thinkTime pause between two operations of a client
     */
    public record Settings(int clients, Duration opTimeout, Duration keyPeriod, int keysPerPeriod,
            Duration thinkTime) {

        /** Checks the values. */
        public Settings {
            if (clients < 1 || keysPerPeriod < 1) {
                throw new IllegalArgumentException("clients and keysPerPeriod must be at least 1, were " + clients
                        + " and " + keysPerPeriod);
            }
            Objects.requireNonNull(opTimeout, "opTimeout");
            Objects.requireNonNull(keyPeriod, "keyPeriod");
            Objects.requireNonNull(thinkTime, "thinkTime");
        }
    }

    private static final Duration RETRY_PAUSE = Duration.ofMillis(50);
    private static final int MAX_UNKNOWN_PER_KEY = 6;

    private final ClusterAccess cluster;
    private final Settings settings;
    private final long seed;
    private final RecordedOperations operations;
    private final History<KvInput<String>, KvOutput<String>> history;
    private final AtomicLong probeSequence = new AtomicLong();
    private final AtomicLong skippedPeriods = new AtomicLong();
    private final Map<Long, AtomicLong> unknownsPerPeriod = new ConcurrentHashMap<>();
    private final ClientThreads clients = new ClientThreads();
    private volatile long startNanos;

    /**
     * @param cluster the nodes to talk to
     * @param settings how the clients run
     * @param seed seeds every client's choices
     */
    public KvWorkload(ClusterAccess cluster, Settings settings, long seed) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.seed = seed;
        this.operations = new RecordedOperations(cluster, settings.opTimeout(), this::countUnknown);
        this.history = operations.history();
    }

    /** Starts the client threads. */
    public void start() {
        startNanos = System.nanoTime();
        clients.start("kv-client", settings.clients(), seed, settings.thinkTime(), (i, random) -> new Client(i, random)::step);
    }

    /**
     * Stops the clients: each finishes its current operation (bounded by the operation timeout).
     * A client that does not stop in time is reported in {@link #clientErrors()}. Idempotent.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void stop() throws InterruptedException {
        clients.stop(settings.opTimeout().plusSeconds(10));
    }

    /**
     * Writes probe values until one write succeeds, for at most {@code bound}, and returns how long
     * that took; empty if no write succeeded in time. Probes are recorded like client writes.
     *
     * @throws InterruptedException if interrupted
     */
    public Optional<Duration> awaitWritable(Duration bound) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + bound.toNanos();
        Random random = new Random(seed ^ 0x5eedL);
        NodeId target = cluster.leader().orElse(randomNode(random));
        while (System.nanoTime() < deadline) {
            long n = probeSequence.incrementAndGet();
            try {
                operations.write(history.newProcess(), target, KvCommand.put("probe-" + n, "probe-" + n + "-v"));
                return Optional.of(Duration.ofNanos(System.nanoTime() - start));
            } catch (OperationException e) {
                target = e.leaderHint().or(cluster::leader).orElse(randomNode(random));
                Thread.sleep(RETRY_PAUSE.toMillis());
            }
        }
        return Optional.empty();
    }

    /**
     * Reads every key the workload touched with {@code readLinearizable} on the leader, retrying
     * each for at most {@code bound} in total; returns the keys that could not be read.
     *
     * @throws InterruptedException if interrupted
     */
    public SortedSet<String> finalReads(Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        Random random = new Random(seed ^ 0xf1a1L);
        SortedSet<String> unread = new TreeSet<>(operations.keys());
        for (String key : new TreeSet<>(unread)) {
            while (unread.contains(key) && System.nanoTime() < deadline) {
                NodeId target = cluster.leader().orElse(randomNode(random));
                try {
                    operations.read(history.newProcess(), target, key);
                    unread.remove(key);
                } catch (OperationException e) {
                    Thread.sleep(RETRY_PAUSE.toMillis());
                }
            }
        }
        return unread;
    }

    /** Returns the history recorded so far. */
    public History<KvInput<String>, KvOutput<String>> history() {
        return history;
    }

    /** Returns the seed of the clients' choices. */
    public long seed() {
        return seed;
    }

    /** Returns every token (unique write value) the clients tried to write. */
    public Set<String> invokedTokens() {
        return operations.invokedTokens();
    }

    /** Returns the tokens of the writes a node acknowledged. */
    public Set<String> acknowledgedTokens() {
        return operations.acknowledgedTokens();
    }

    /** Returns how many requests failed, by kind. */
    public Map<FailureKind, Long> failures() {
        return operations.failures();
    }

    /** Returns errors that are bugs of the test or the node rather than faults (unexpected answers, stuck clients). */
    public List<String> clientErrors() {
        return clients.errors();
    }

    /** Returns the current key period: the time-based one, plus those ended early. */
    private long currentPeriod() {
        return (System.nanoTime() - startNanos) / settings.keyPeriod().toNanos() + skippedPeriods.get();
    }

    /** Counts an unknown outcome on {@code key}; ends its period early when its keys have had enough. */
    private void countUnknown(String key) {
        if (!key.startsWith("k")) {
            return; // probes use their own keys
        }
        long period = Long.parseLong(key.substring(1, key.indexOf('-')));
        long unknowns = unknownsPerPeriod.computeIfAbsent(period, p -> new AtomicLong()).incrementAndGet();
        if (unknowns == (long) MAX_UNKNOWN_PER_KEY * settings.keysPerPeriod() && period == currentPeriod()) {
            skippedPeriods.incrementAndGet();
        }
    }

    private NodeId randomNode(Random random) {
        List<NodeId> nodes = cluster.nodes();
        return nodes.get(random.nextInt(nodes.size()));
    }

    /** One client: a thread running operations one at a time. */
    private final class Client {

        private final int index;
        private final Random random;
        private final Map<String, String> lastSeen = new HashMap<>();
        private int process;
        private NodeId target;
        private long sequence;

        Client(int index, Random random) {
            this.index = index;
            this.random = random;
            this.process = history.newProcess();
            this.target = randomNode(random);
        }

        /** Runs one operation; a client goes on until stopped. */
        private boolean step() throws InterruptedException {
            String key = currentKey();
            double choice = random.nextDouble();
            try {
                if (choice < 0.35) {
                    Optional<String> value = operations.read(process, target, key);
                    remember(key, value.orElse(null));
                } else if (choice < 0.65 && lastSeen.get(key) != null) {
                    String update = nextValue();
                    boolean swapped = Boolean.parseBoolean(operations.write(process, target,
                            KvCommand.cas(key, lastSeen.get(key), update)));
                    remember(key, swapped ? update : null);
                } else {
                    String value = nextValue();
                    operations.write(process, target, KvCommand.put(key, value));
                    remember(key, value);
                }
            } catch (OperationException e) {
                onFailure(e);
            }
            return true;
        }

        private void onFailure(OperationException e) throws InterruptedException {
            if (e.kind() == FailureKind.NOT_LEADER && e.leaderHint().isPresent()) {
                target = e.leaderHint().get();
            } else {
                target = randomNode(random);
                Thread.sleep(RETRY_PAUSE.toMillis());
            }
            // A write of unknown outcome retired the process; a fresh id after any failure is simplest.
            process = history.newProcess();
        }

        private void remember(String key, String value) {
            if (value == null) {
                lastSeen.remove(key);
            } else {
                lastSeen.put(key, value);
            }
        }

        private String currentKey() {
            return "k" + currentPeriod() + "-" + random.nextInt(settings.keysPerPeriod());
        }

        private String nextValue() {
            return "c" + index + "-" + sequence++;
        }
    }
}
