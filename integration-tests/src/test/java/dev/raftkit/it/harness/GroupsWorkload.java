package dev.raftkit.it.harness;

import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.testkit.kv.KvCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Concurrent clients spread over many Raft groups (the groups of hosts), recording each group's
 * operations in its own history ({@link RecordedOperations}), so every group is checked on its own.
 *
 * <p><b>Operations.</b> A fixed number of client threads each loop: pick a group and one of its
 * {@link Settings#keysPerGroup()} current keys at random (seeded), then put a unique value or read
 * with {@code readLinearizable}. A client sends a group's operations to the node that last led it
 * as far as the clients know: it starts at a random member, follows leader hints, and moves to a
 * random member after any other failure.
 *
 * <p><b>Budget.</b> The clients start at most {@link Settings#initialBudget()} operations, plus
 * what the test {@link #grant grants} later; with none left they wait. A test that needs clients
 * running in a later phase (after a restart, say) keeps part of the budget for it, so a fast
 * machine cannot spend it all in the earlier phases, while every group's history stays small.
 *
 * <p><b>Keys.</b> Every unknown outcome stays concurrent with everything after it and widens the
 * checker's search, so once a key collected {@value #MAX_UNKNOWN_PER_KEY} unknown writes its group
 * moves on to fresh keys, keeping each key's history small.
 *
 * <p><b>After the faults.</b> {@link #probeEveryGroup} shows every group writable again and
 * {@link #finalReads} reads every key on its group's leader; both are recorded in the groups'
 * histories, so the checker also proves that no acknowledged write was lost.
 *
 * <p>Thread-safe; {@link #start()} and {@link #stop()} are called once each, from the test thread.
 */
public final class GroupsWorkload {

    /**
     * How the clients run.
     *
     * @param clients how many client threads, for all groups together
     * @param opTimeout how long a client waits for one answer
     * @param keysPerGroup how many keys of a group the clients share at a time
     * @param thinkTime pause between two operations of a client
     * @param initialBudget how many operations the clients may start, in all, before {@link #grant} allows more
     */
    public record Settings(int clients, Duration opTimeout, int keysPerGroup, Duration thinkTime,
            long initialBudget) {

        /** Checks the values. */
        public Settings {
            if (clients < 1 || keysPerGroup < 1 || initialBudget < 1) {
                throw new IllegalArgumentException("clients, keysPerGroup and initialBudget must be at least 1, were "
                        + clients + ", " + keysPerGroup + " and " + initialBudget);
            }
            Objects.requireNonNull(opTimeout, "opTimeout");
            Objects.requireNonNull(thinkTime, "thinkTime");
        }
    }

    private static final Duration RETRY_PAUSE = Duration.ofMillis(50);
    private static final int MAX_UNKNOWN_PER_KEY = 4;
    private static final double READ_SHARE = 0.4;

    /** One group: its recorded operations, where the clients send them, and its current keys. */
    private final class Group {

        final GroupId id;
        final RecordedOperations operations;
        /** The member the clients send this group's operations to. */
        volatile NodeId target;
        /** Raised when a key has had enough unknown writes: the group's keys start over. */
        final AtomicInteger keyGeneration = new AtomicInteger();
        final Map<String, AtomicLong> unknownsPerKey = new ConcurrentHashMap<>();

        Group(GroupId id, ClusterAccess access, NodeId target) {
            this.id = id;
            this.operations = new RecordedOperations(access, settings.opTimeout(), this::countUnknown);
            this.target = target;
        }

        String key(Random random) {
            return "k" + keyGeneration.get() + "-" + random.nextInt(settings.keysPerGroup());
        }

        private void countUnknown(String key) {
            long unknowns = unknownsPerKey.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
            if (unknowns == MAX_UNKNOWN_PER_KEY && key.startsWith("k" + keyGeneration.get() + "-")) {
                keyGeneration.incrementAndGet();
            }
        }
    }

    private final Settings settings;
    private final long seed;
    private final SortedMap<GroupId, Group> groups = new TreeMap<>();
    private final List<GroupId> groupIds;
    private final AtomicLong started = new AtomicLong();
    /** How many more operations the clients may start. */
    private final AtomicLong budget;
    private final AtomicLong probeSequence = new AtomicLong();
    private final ClientThreads clients = new ClientThreads();

    /**
     * @param groups each group as a cluster of its own (its members' nodes)
     * @param settings how the clients run
     * @param seed seeds every client's choices
     * @throws IllegalArgumentException if there is no group
     */
    public GroupsWorkload(Map<GroupId, ClusterAccess> groups, Settings settings, long seed) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("a workload needs at least one group");
        }
        this.settings = Objects.requireNonNull(settings, "settings");
        this.seed = seed;
        this.budget = new AtomicLong(settings.initialBudget());
        Random random = new Random(seed);
        new TreeMap<>(groups).forEach((id, access) -> this.groups.put(id, new Group(id, access,
                randomOf(access.nodes(), random))));
        this.groupIds = List.copyOf(this.groups.keySet());
    }

    /** Starts the client threads. */
    public void start() {
        clients.start("groups-client", settings.clients(), seed, settings.thinkTime(),
                (i, random) -> new Client(i, random)::step);
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

    /** {@return the client threads still alive; none once {@link #stop()} returned normally} */
    public List<String> liveClients() {
        return clients.alive();
    }

    /**
     * Writes a probe value to every group until one write of each succeeds, on the group's leader,
     * for at most {@code bound} in all; returns the groups where none did, as {@code group/probe-group}.
     * Probes are recorded like client writes.
     *
     * @throws InterruptedException if interrupted
     */
    public SortedSet<String> probeEveryGroup(Duration bound) throws InterruptedException {
        return retryInEveryGroup(bound, group -> {
            String key = "probe-" + group.id;
            return Map.of(key, () -> group.operations.write(group.operations.history().newProcess(),
                    leaderOrTarget(group), KvCommand.put(key, "probe-" + probeSequence.incrementAndGet())));
        });
    }

    /**
     * Reads every key the workload touched with {@code readLinearizable} on its group's leader,
     * retrying for at most {@code bound} in all; returns the keys that could not be read, as
     * {@code group/key}.
     *
     * @throws InterruptedException if interrupted
     */
    public SortedSet<String> finalReads(Duration bound) throws InterruptedException {
        return retryInEveryGroup(bound, group -> {
            Map<String, Attempt> reads = new TreeMap<>();
            group.operations.keys().forEach(key -> reads.put(key, () -> group.operations.read(
                    group.operations.history().newProcess(), leaderOrTarget(group), key)));
            return reads;
        });
    }

    /** One recorded operation, tried again until it succeeds. */
    @FunctionalInterface
    private interface Attempt {
        void run() throws OperationException;
    }

    /**
     * Runs the attempts of every group, the groups in parallel on {@link Settings#clients()}
     * threads and each group's attempts in order, retrying each until it succeeds or {@code bound}
     * passed; returns the attempts that never succeeded, as {@code group/name}.
     */
    private SortedSet<String> retryInEveryGroup(Duration bound, Function<Group, Map<String, Attempt>> attempts)
            throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        SortedSet<String> failed = new ConcurrentSkipListSet<>();
        ExecutorService pool = Executors.newFixedThreadPool(settings.clients());
        try {
            List<Future<?>> tasks = new ArrayList<>();
            for (Group group : groups.values()) {
                tasks.add(pool.submit(() -> {
                    for (Map.Entry<String, Attempt> attempt : attempts.apply(group).entrySet()) {
                        if (!retryUntil(deadline, attempt.getValue())) {
                            failed.add(group.id + "/" + attempt.getKey());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> task : tasks) {
                task.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("a final operation failed unexpectedly", e.getCause());
        } finally {
            pool.shutdownNow();
            long waitMillis = settings.opTimeout().toMillis() + 10_000;
            if (!pool.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the final operations' threads did not stop within " + waitMillis
                        + " ms");
            }
        }
        return failed;
    }

    private static boolean retryUntil(long deadline, Attempt attempt) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            try {
                attempt.run();
                return true;
            } catch (OperationException e) {
                Thread.sleep(RETRY_PAUSE.toMillis());
            }
        }
        return false;
    }

    /** {@return each group's recorded operations, by group} */
    public SortedMap<GroupId, RecordedOperations> operations() {
        SortedMap<GroupId, RecordedOperations> all = new TreeMap<>();
        groups.forEach((id, group) -> all.put(id, group.operations));
        return Collections.unmodifiableSortedMap(all);
    }

    /**
     * Lets the clients start {@code operations} more operations than their budget so far.
     *
     * @throws IllegalArgumentException if {@code operations} is negative
     */
    public void grant(long operations) {
        if (operations < 0) {
            throw new IllegalArgumentException("a grant must not be negative, was " + operations);
        }
        budget.addAndGet(operations);
    }

    /** {@return how many operations the clients started} */
    public long operationsStarted() {
        return started.get();
    }

    /** {@return how many writes were acknowledged, in all groups} */
    public long acknowledgedWrites() {
        return groups.values().stream().mapToLong(g -> g.operations.acknowledgedTokens().size()).sum();
    }

    /** {@return how many operations failed, by kind, in all groups} */
    public Map<FailureKind, Long> failures() {
        Map<FailureKind, Long> counts = new EnumMap<>(FailureKind.class);
        groups.values().forEach(g -> g.operations.failures().forEach((kind, n) -> counts.merge(kind, n, Long::sum)));
        return counts;
    }

    /** {@return errors that are bugs of the test or the nodes rather than faults (unexpected answers, stuck clients)} */
    public List<String> clientErrors() {
        return clients.errors();
    }

    /** Returns the node reporting itself the group's leader now, else where its clients send. */
    private NodeId leaderOrTarget(Group group) {
        Optional<NodeId> leader = group.operations.cluster().leader();
        leader.ifPresent(node -> group.target = node);
        return group.target;
    }

    private static NodeId randomOf(List<NodeId> nodes, Random random) {
        return nodes.get(random.nextInt(nodes.size()));
    }

    /** One client: operations on random groups, one at a time. */
    private final class Client {

        private final int index;
        private final Random random;
        private long sequence;

        Client(int index, Random random) {
            this.index = index;
            this.random = random;
        }

        /**
         * Runs one operation on a random group, as a fresh process (an unknown write retires its
         * process anyway), if the budget has one left; a client goes on until stopped.
         */
        private boolean step() throws InterruptedException {
            if (budget.getAndUpdate(left -> Math.max(0, left - 1)) == 0) {
                return true;
            }
            started.incrementAndGet();
            Group group = groups.get(groupIds.get(random.nextInt(groupIds.size())));
            String key = group.key(random);
            NodeId target = group.target;
            int process = group.operations.history().newProcess();
            try {
                if (random.nextDouble() < READ_SHARE) {
                    group.operations.read(process, target, key);
                } else {
                    group.operations.write(process, target, KvCommand.put(key, "c" + index + "-" + sequence++));
                }
            } catch (OperationException e) {
                if (e.kind() == FailureKind.NOT_LEADER && e.leaderHint().isPresent()) {
                    group.target = e.leaderHint().get();
                } else {
                    group.target = randomOf(group.operations.cluster().nodes(), random);
                    Thread.sleep(RETRY_PAUSE.toMillis());
                }
            }
            return true;
        }
    }
}
