package dev.raftkit.testkit.sim;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.linearizability.CheckResult;
import dev.raftkit.testkit.linearizability.History;
import dev.raftkit.testkit.linearizability.KvInput;
import dev.raftkit.testkit.linearizability.KvOutput;
import dev.raftkit.testkit.linearizability.KvRegisterModel;
import dev.raftkit.testkit.linearizability.LinearizabilityChecker;
import dev.raftkit.testkit.linearizability.Operation;
import dev.raftkit.testkit.linearizability.Outcome;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A deterministic simulation of a Raft cluster: N real engines (the same driver and applier code
 * as production) on one thread in virtual time, a random client workload on a key-value store,
 * and seeded faults (partitions of any shape, one-way loss, message loss, duplication, delay and
 * reordering, crashes that lose un-persisted writes, restarts). Safety invariants are checked
 * after every event; at the end every fault is healed and the run checks that the cluster
 * recovers, that all nodes converge to the same state, that no acknowledged write was lost, and
 * that the client history is linearizable.
 *
 * <p>Everything derives from the seed, so a failing seed replays exactly:
 *
 * <pre>{@code
 * SimulationReport report = Simulation.builder(seed).nodes(5).build().run(); // throws SimulationFailure
 * }</pre>
 */
public final class Simulation {

    private static final long MS = 1_000_000L;
    private static final int LOG_LINES = 40;
    /**
     * Default of {@link Builder#clockDrift}: 4 %. Two clocks then differ in rate by a factor of at
     * most 0.96 / 1.04 = 0.923, within the default lease ratio 0.9, so lease reads must stay
     * linearizable.
     */
    public static final double DEFAULT_CLOCK_DRIFT = 0.04;

    private final long seed;
    private final int nodes;
    private final int spares;
    private final int clients;
    private final int keys;
    private final long faultNanos;
    private final boolean faults;
    private final Map<String, String> engineOptions;
    private final double clockDrift;

    private Simulation(Builder b) {
        this.clockDrift = b.clockDrift;
        this.seed = b.seed;
        this.nodes = b.nodes;
        this.spares = b.spares;
        this.clients = b.clients;
        this.keys = b.keys;
        this.faultNanos = b.faultDuration.toNanos();
        this.faults = b.faults;
        this.engineOptions = Map.copyOf(b.engineOptions);
    }

    /**
     * Starts describing a simulation.
     *
     * @param seed every random choice of the run derives from it
     * @return a builder with 3 nodes, 4 clients, 3 keys, 6 s of faults
     */
    public static Builder builder(long seed) {
        return new Builder(seed);
    }

    /**
     * Runs the simulation.
     *
     * @return what happened
     * @throws SimulationFailure naming the seed, the broken property and the last faults injected
     */
    public SimulationReport run() {
        ArrayDeque<String> log = new ArrayDeque<>();
        VirtualScheduler scheduler = new VirtualScheduler();
        try {
            return execute(scheduler, log);
        } catch (SafetyViolation | IllegalStateException e) {
            throw failure(e.getMessage(), scheduler, log, e);
        }
    }

    private SimulationReport execute(VirtualScheduler scheduler, ArrayDeque<String> log) {
        SplittableRandom random = new SplittableRandom(seed);
        SafetyMonitor monitor = new SafetyMonitor();
        History<KvInput<String>, KvOutput<String>> history = new History<>(scheduler::now);
        SimRuntime.Latencies latencies = new SimRuntime.Latencies(2_000, 50_000, 50_000, 2 * MS);
        // Each seed draws its own snapshot settings, from none to constant snapshots in tiny chunks.
        Map<String, String> options = new LinkedHashMap<>();
        long snapshotThreshold = random.nextInt(4) == 0 ? 0 : 10 + random.nextInt(150);
        options.put("raftkit.snapshot.trailingEntries", Integer.toString(random.nextInt(20)));
        options.put("raftkit.snapshot.chunkBytes", Integer.toString(16 + random.nextInt(500)));
        options.putAll(engineOptions);
        SimCluster cluster = new SimCluster(scheduler, random.split(), monitor, nodes, spares, latencies,
                snapshotThreshold, options, clockDrift);
        Nemesis nemesis = new Nemesis(cluster, scheduler, random.split(), spares > 0, nodes,
                line -> record(log, scheduler, line));
        cluster.network().delay(Duration.ofNanos(100_000), Duration.ofMillis(2));
        cluster.initialVoters().forEach(cluster::start);

        java.util.SortedSet<String> keyNames = new java.util.TreeSet<>();
        long[] lastWriteOk = {-1};
        List<SimClient> workload = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            SimClient client = new SimClient(c, cluster, scheduler, random.split(), history, keys, keyNames, 1000 * MS,
                    t -> lastWriteOk[0] = t, e -> monitor.violate("a node stopped itself: " + e));
            workload.add(client);
            client.start();
        }
        if (faults) {
            scheduleStrikes(scheduler, random.split(), nemesis, faultNanos);
        }
        scheduleStatusChecks(scheduler, cluster);

        Runnable afterEach = monitor::check;
        scheduler.runUntil(faultNanos, afterEach);
        nemesis.healAll();
        long healedAt = scheduler.now();
        scheduler.runUntil(healedAt + 3000 * MS, afterEach);
        if (lastWriteOk[0] < healedAt) {
            throw new SafetyViolation("liveness: no write succeeded within 3 s after every fault healed:"
                    + statuses(cluster));
        }
        workload.forEach(SimClient::stop);
        scheduler.runUntil(scheduler.now() + 1500 * MS, afterEach);
        NodeId leader = awaitConvergence(scheduler, cluster, afterEach);
        SimClient reader = new SimClient(clients, cluster, scheduler, random.split(), history, keys, keyNames, 1000 * MS,
                t -> { }, e -> monitor.violate("a node stopped itself: " + e));
        reader.stop();
        for (String key : List.copyOf(keyNames)) {
            reader.finalRead(key, leader);
            scheduler.runUntil(scheduler.now() + 50 * MS, afterEach);
        }
        scheduler.runUntil(scheduler.now() + 1100 * MS, afterEach);
        compareStates(cluster, leader);
        checkAcknowledgedWritesApplied(history, monitor);
        CheckResult<KvInput<String>, KvOutput<String>> verdict =
                LinearizabilityChecker.of(new KvRegisterModel<String>()).withTimeBudget(Duration.ofSeconds(30))
                        .check(history);
        if (!verdict.isLinearizable()) {
            throw new SafetyViolation("linearizability: " + verdict.explain() + historyOfFirstUndecidedKey(history, verdict));
        }
        cluster.crashAll();
        return new SimulationReport(seed, scheduler.executed(), history.operations().size(),
                (int) history.operations().stream().filter(o -> o.outcome() == Outcome.OK).count(),
                monitor.leaderTerms(), monitor.applied().size());
    }

    private static void scheduleStrikes(VirtualScheduler scheduler, SplittableRandom random, Nemesis nemesis,
            long until) {
        long at = 300 * MS + random.nextLong(400 * MS);
        while (at < until) {
            scheduler.after(at, nemesis::strike);
            at += 100 * MS + random.nextLong(600 * MS);
        }
    }

    private static void scheduleStatusChecks(VirtualScheduler scheduler, SimCluster cluster) {
        scheduler.after(5 * MS, new Runnable() {
            @Override
            public void run() {
                cluster.checkStatuses();
                scheduler.after(5 * MS, this);
            }
        });
    }

    /**
     * Runs until one leader leads and every member of its configuration applied the same last index.
     */
    private static NodeId awaitConvergence(VirtualScheduler scheduler, SimCluster cluster, Runnable afterEach) {
        long deadline = scheduler.now() + 10_000 * MS;
        while (scheduler.now() < deadline) {
            // The leader of the highest term: a deposed one may not have noticed yet.
            NodeId leader = null;
            long leaderTerm = -1;
            for (NodeId id : cluster.ids()) {
                SimCluster.Incarnation at = cluster.incarnation(id);
                if (at == null) {
                    continue; // a spare that never joined
                }
                var status = at.node().status();
                if (status.role() == Role.LEADER && status.term() > leaderTerm) {
                    leader = id;
                    leaderTerm = status.term();
                }
            }
            if (leader != null && membersAgree(cluster, leader)) {
                return leader;
            }
            scheduler.runUntil(scheduler.now() + 50 * MS, afterEach);
        }
        throw new SafetyViolation("convergence: nodes did not agree within 10 s after healing:" + statuses(cluster));
    }

    private static String statuses(SimCluster cluster) {
        StringBuilder states = new StringBuilder();
        for (NodeId id : cluster.ids()) {
            SimCluster.Incarnation incarnation = cluster.incarnation(id);
            states.append("\n  ").append(incarnation == null ? id + " down" : incarnation.node().status());
        }
        return states.toString();
    }

    private static boolean membersAgree(SimCluster cluster, NodeId leader) {
        var leaderStatus = cluster.incarnation(leader).node().status();
        Set<Long> applied = new HashSet<>();
        for (NodeId id : members(cluster, leader)) {
            SimCluster.Incarnation member = cluster.incarnation(id);
            if (member == null) {
                return false; // a retired node is in this leader's configuration: it is not the latest
            }
            var status = member.node().status();
            applied.add(status.appliedIndex());
            if (!status.voters().equals(leaderStatus.voters())) {
                return false;
            }
        }
        return applied.size() == 1 && applied.contains(leaderStatus.commitIndex());
    }

    /** The voters and learners of the leader's configuration. */
    private static Set<NodeId> members(SimCluster cluster, NodeId leader) {
        var status = cluster.incarnation(leader).node().status();
        Set<NodeId> members = new java.util.TreeSet<>(status.voters());
        members.addAll(status.learners());
        return members;
    }

    private static void compareStates(SimCluster cluster, NodeId leader) {
        Map<String, String> reference = null;
        NodeId referenceNode = null;
        for (NodeId id : members(cluster, leader)) {
            Map<String, String> data = cluster.incarnation(id).state().snapshotOfData();
            if (reference == null) {
                reference = data;
                referenceNode = id;
            } else if (!reference.equals(data)) {
                throw new SafetyViolation("state machine safety: " + referenceNode + " holds " + reference + " but "
                        + id + " holds " + data);
            }
        }
    }

    private static void checkAcknowledgedWritesApplied(History<KvInput<String>, KvOutput<String>> history,
            SafetyMonitor monitor) {
        Set<String> appliedValues = new HashSet<>();
        for (KvCommand c : monitor.applied().values()) {
            if (c.value() != null) {
                appliedValues.add(c.key() + "=" + c.value());
            }
        }
        for (Operation<KvInput<String>, KvOutput<String>> op : history.operations()) {
            if (op.outcome() == Outcome.OK && op.input() instanceof KvInput.Put<String> put
                    && !appliedValues.contains(op.key() + "=" + put.value())) {
                throw new SafetyViolation("durability: acknowledged write " + op + " was never applied");
            }
        }
    }

    /** Lists the operations of the first key the checker could not decide, to debug the search. */
    private static String historyOfFirstUndecidedKey(History<KvInput<String>, KvOutput<String>> history,
            CheckResult<KvInput<String>, KvOutput<String>> verdict) {
        if (verdict.undecidedKeys().isEmpty()) {
            return "";
        }
        String key = verdict.undecidedKeys().get(0);
        StringBuilder sb = new StringBuilder("\noperations on undecided key " + key + ":");
        history.operations().stream().filter(op -> op.key().equals(key)).limit(300)
                .forEach(op -> sb.append("\n  ").append(op));
        return sb.toString();
    }

    private static void record(ArrayDeque<String> log, VirtualScheduler scheduler, String line) {
        log.addLast(String.format("%8.1f ms  %s", scheduler.now() / 1e6, line));
        if (log.size() > LOG_LINES) {
            log.removeFirst();
        }
    }

    private SimulationFailure failure(String what, VirtualScheduler scheduler, ArrayDeque<String> log,
            Throwable cause) {
        StringBuilder sb = new StringBuilder();
        sb.append("simulation seed ").append(seed).append(" failed at ")
                .append(String.format("%.1f ms", scheduler.now() / 1e6)).append(" of virtual time: ").append(what)
                .append("\nreplay with -Draftkit.sim.seed=").append(seed).append("\nlast faults:");
        for (String line : log) {
            sb.append("\n  ").append(line);
        }
        return new SimulationFailure(seed, sb.toString(), cause);
    }

    /** Describes a simulation. */
    public static final class Builder {
        private final long seed;
        private int nodes = 3;
        private int spares;
        private int clients = 4;
        private int keys = 3;
        private Duration faultDuration = Duration.ofSeconds(6);
        private boolean faults = true;
        private final Map<String, String> engineOptions = new LinkedHashMap<>();
        private double clockDrift = DEFAULT_CLOCK_DRIFT;

        private Builder(long seed) {
            this.seed = seed;
        }

        /**
         * Sets the cluster size. Default 3.
         *
         * @param nodes 1 to 9
         * @return this builder
         */
        public Builder nodes(int nodes) {
            if (nodes < 1 || nodes > 9) {
                throw new IllegalArgumentException("nodes must be 1..9, was " + nodes);
            }
            this.nodes = nodes;
            return this;
        }

        /**
         * Adds spare nodes and random membership changes: spares join (as voters, or as learners
         * later promoted) and members are removed for good, interleaved with every other fault,
         * keeping at least {@code nodes} voters. Default 0: the configuration never changes.
         *
         * @param spares 0 to 8
         * @return this builder
         */
        public Builder spares(int spares) {
            if (spares < 0 || spares > 8) {
                throw new IllegalArgumentException("spares must be 0..8, was " + spares);
            }
            this.spares = spares;
            return this;
        }

        /**
         * Sets how many clients issue operations concurrently. Default 4.
         *
         * @param clients 1 to 64
         * @return this builder
         */
        public Builder clients(int clients) {
            if (clients < 1 || clients > 64) {
                throw new IllegalArgumentException("clients must be 1..64, was " + clients);
            }
            this.clients = clients;
            return this;
        }

        /**
         * Sets how many keys the clients share at a time (keys rotate every second of virtual time).
         * Default 3; fewer keys mean more contention.
         *
         * @param keys 1 to 100
         * @return this builder
         */
        public Builder keys(int keys) {
            if (keys < 1 || keys > 100) {
                throw new IllegalArgumentException("keys must be 1..100, was " + keys);
            }
            this.keys = keys;
            return this;
        }

        /**
         * Sets how long (virtual time) faults are injected before everything heals. Default 6 s.
         *
         * @param duration at least 1 s
         * @return this builder
         */
        public Builder faultDuration(Duration duration) {
            if (Objects.requireNonNull(duration, "duration").compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("faultDuration must be at least 1 s, was " + duration);
            }
            this.faultDuration = duration;
            return this;
        }

        /**
         * Turns fault injection on or off. Default on.
         *
         * @param faults whether to inject faults
         * @return this builder
         */
        public Builder faults(boolean faults) {
            this.faults = faults;
            return this;
        }

        /**
         * Passes an option to every node's {@code Config}, e.g. one of raft-core's test-only
         * mutation switches, to prove the simulation catches the bug it introduces.
         *
         * @param key the option key
         * @param value its value
         * @return this builder
         */
        public Builder engineOption(String key, String value) {
            engineOptions.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Sets how far each node's clock rate may differ from real time: every incarnation's clock
         * runs at a seeded rate in {@code [1 - drift, 1 + drift]}, for its ticks and for the clock
         * its read lease is measured on. Default {@link #DEFAULT_CLOCK_DRIFT}, within what the
         * default lease ratio allows.
         *
         * @param drift 0 (perfect clocks) to 0.9
         * @return this builder
         */
        public Builder clockDrift(double drift) {
            if (!(drift >= 0 && drift <= 0.9)) {
                throw new IllegalArgumentException("clockDrift must be in [0, 0.9], was " + drift);
            }
            this.clockDrift = drift;
            return this;
        }

        /** {@return the simulation} */
        public Simulation build() {
            return new Simulation(this);
        }
    }
}
