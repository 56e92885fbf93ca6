package dev.raftkit.testkit.sim;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.linearizability.CheckResult;
import dev.raftkit.testkit.linearizability.History;
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
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * One run of a simulation, whatever its workload: starts the cluster, lets the clients and the
 * nemesis loose for the fault period, heals, and checks liveness, convergence, equal states, the
 * workload's own checks and linearizability, with the safety invariants checked after every event.
 *
 * @param <C> the command type
 * @param <R> the response type
 * @param <M> the state machine type
 * @param <I> the input type of the checker's model
 * @param <O> the output type of the checker's model
 */
final class SimulationRun<C, R, M extends StateMachine<C, R>, I, O> {

    private static final long MS = 1_000_000L;
    private static final int LOG_LINES = 40;

    private final long seed;
    private final SimulationOptions.Settings settings;
    private final Workload<C, R, M, I, O> workload;
    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final ArrayDeque<String> log = new ArrayDeque<>();

    SimulationRun(long seed, SimulationOptions.Settings settings, Workload<C, R, M, I, O> workload) {
        this.seed = seed;
        this.settings = settings;
        this.workload = workload;
    }

    /**
     * Runs the simulation once; a run object is used once.
     *
     * @return what happened
     * @throws SimulationFailure naming the seed, the broken property and the last faults injected
     */
    SimulationReport run() {
        try {
            return execute();
        } catch (SafetyViolation | IllegalStateException e) {
            throw failure(e.getMessage(), e);
        }
    }

    private SimulationReport execute() {
        SplittableRandom random = new SplittableRandom(seed);
        SafetyMonitor<C> monitor = new SafetyMonitor<>(workload.codec());
        History<I, O> history = new History<>(scheduler::now);
        SimRuntime.Latencies latencies = new SimRuntime.Latencies(2_000, 50_000, 50_000, 2 * MS);
        // Each seed draws its own snapshot settings, from none to constant snapshots in tiny chunks.
        Map<String, String> options = new LinkedHashMap<>();
        long snapshotThreshold = random.nextInt(4) == 0 ? 0 : 10 + random.nextInt(150);
        options.put("raftkit.snapshot.trailingEntries", Integer.toString(random.nextInt(20)));
        options.put("raftkit.snapshot.chunkBytes", Integer.toString(16 + random.nextInt(500)));
        options.putAll(settings.engineOptions());
        SimCluster<C, R, M> cluster = new SimCluster<>(scheduler, random.split(), monitor, workload.stateMachines(),
                workload.codec(), workload.responseCodec(), settings.nodes(), settings.spares(), latencies,
                snapshotThreshold, options, settings.clockDrift());
        Nemesis nemesis = new Nemesis(cluster, scheduler, random.split(), settings.spares() > 0, settings.nodes(),
                this::record);
        cluster.network().delay(Duration.ofNanos(100_000), Duration.ofMillis(2));
        cluster.initialVoters().forEach(cluster::start);

        // Clients of even seeds write through sessions and retry uncertain writes, if the workload can.
        Optional<SafetyMonitor<C>> sessions = workload.responseCodec().isPresent() && seed % 2 == 0
                ? Optional.of(monitor) : Optional.empty();
        long[] lastWriteOk = {-1};
        List<SimClient<C, R, M, I, O>> clients = new ArrayList<>();
        for (int c = 0; c < settings.clients(); c++) {
            SimClient<C, R, M, I, O> client = new SimClient<>(cluster, scheduler, random.split(), history,
                    workload.requests(c), 1000 * MS, t -> lastWriteOk[0] = t,
                    e -> monitor.violate("a node stopped itself: " + e), sessions);
            clients.add(client);
            client.start();
        }
        if (settings.faults()) {
            scheduleStrikes(random.split(), nemesis, settings.faultNanos());
        }
        scheduleStatusChecks(cluster);

        Runnable afterEach = monitor::check;
        scheduler.runUntil(settings.faultNanos(), afterEach);
        nemesis.healAll();
        long healedAt = scheduler.now();
        scheduler.runUntil(healedAt + 3000 * MS, afterEach);
        if (lastWriteOk[0] < healedAt) {
            throw new SafetyViolation("liveness: no write succeeded within 3 s after every fault healed:"
                    + statuses(cluster));
        }
        clients.forEach(SimClient::stop);
        scheduler.runUntil(scheduler.now() + 1500 * MS, afterEach);
        NodeId leader = awaitConvergence(cluster, afterEach);
        SimClient<C, R, M, I, O> reader = new SimClient<>(cluster, scheduler, random.split(), history,
                workload.requests(settings.clients()), 1000 * MS, t -> { },
                e -> monitor.violate("a node stopped itself: " + e), Optional.empty());
        reader.stop();
        workload.finish(reader, leader, () -> scheduler.runUntil(scheduler.now() + 50 * MS, afterEach));
        scheduler.runUntil(scheduler.now() + 1100 * MS, afterEach);
        compareStates(cluster, leader);
        workload.checkEnd(history, monitor);
        LinearizabilityChecker<I, O> checker = LinearizabilityChecker.of(workload.model())
                .withTimeBudget(Duration.ofSeconds(30));
        CheckResult<I, O> verdict = checker.check(history);
        if (!verdict.isLinearizable()) {
            throw new SafetyViolation("linearizability: " + verdict.explain() + historyOfFirstUndecidedKey(history,
                    verdict) + shrunk(checker, history.operations()));
        }
        cluster.crashAll();
        return new SimulationReport(seed, scheduler.executed(), history.operations().size(),
                (int) history.operations().stream().filter(o -> o.outcome() == Outcome.OK).count(),
                monitor.leaderTerms(), monitor.applied().size());
    }

    private void scheduleStrikes(SplittableRandom random, Nemesis nemesis, long until) {
        long at = 300 * MS + random.nextLong(400 * MS);
        while (at < until) {
            scheduler.after(at, nemesis::strike);
            at += 100 * MS + random.nextLong(600 * MS);
        }
    }

    private void scheduleStatusChecks(SimCluster<C, R, M> cluster) {
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
    private NodeId awaitConvergence(SimCluster<C, R, M> cluster, Runnable afterEach) {
        long deadline = scheduler.now() + 10_000 * MS;
        while (scheduler.now() < deadline) {
            // The leader of the highest term: a deposed one may not have noticed yet.
            NodeId leader = null;
            long leaderTerm = -1;
            for (NodeId id : cluster.ids()) {
                SimCluster.Incarnation<C, R, M> at = cluster.incarnation(id);
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

    private static String statuses(SimCluster<?, ?, ?> cluster) {
        StringBuilder states = new StringBuilder();
        for (NodeId id : cluster.ids()) {
            SimCluster.Incarnation<?, ?, ?> incarnation = cluster.incarnation(id);
            states.append("\n  ").append(incarnation == null ? id + " down" : incarnation.node().status());
        }
        return states.toString();
    }

    private static boolean membersAgree(SimCluster<?, ?, ?> cluster, NodeId leader) {
        var leaderStatus = cluster.incarnation(leader).node().status();
        Set<Long> applied = new HashSet<>();
        for (NodeId id : members(cluster, leader)) {
            SimCluster.Incarnation<?, ?, ?> member = cluster.incarnation(id);
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
    private static Set<NodeId> members(SimCluster<?, ?, ?> cluster, NodeId leader) {
        var status = cluster.incarnation(leader).node().status();
        Set<NodeId> members = new TreeSet<>(status.voters());
        members.addAll(status.learners());
        return members;
    }

    private void compareStates(SimCluster<C, R, M> cluster, NodeId leader) {
        Object reference = null;
        NodeId referenceNode = null;
        for (NodeId id : members(cluster, leader)) {
            Object state = workload.stateOf(cluster.incarnation(id).state());
            if (reference == null) {
                reference = state;
                referenceNode = id;
            } else if (!reference.equals(state)) {
                throw new SafetyViolation("state machine safety: " + referenceNode + " holds " + reference + " but "
                        + id + " holds " + state);
            }
        }
    }

    /** Lists the operations of the first key the checker could not decide, to debug the search. */
    private static <I, O> String historyOfFirstUndecidedKey(History<I, O> history, CheckResult<I, O> verdict) {
        if (verdict.undecidedKeys().isEmpty()) {
            return "";
        }
        String key = verdict.undecidedKeys().get(0);
        StringBuilder sb = new StringBuilder("\noperations on undecided key " + key + ":");
        history.operations().stream().filter(op -> op.key().equals(key)).limit(300)
                .forEach(op -> sb.append("\n  ").append(op));
        return sb.toString();
    }

    /**
     * Shows the shortest prefix of the history that is still violated, one operation per line, and
     * marks the operation that could not be linearized.
     */
    private static <I, O> String shrunk(LinearizabilityChecker<I, O> checker, List<Operation<I, O>> operations) {
        List<Operation<I, O>> prefix = checker.shortestViolatedPrefix(operations);
        if (prefix.isEmpty()) {
            return "";
        }
        Set<Long> blocked = new HashSet<>();
        checker.check(prefix).violations().forEach(v -> blocked.add(v.blockedOperation().id()));
        StringBuilder text = new StringBuilder(String.format(
                "%nshortest violated history: %d operation(s) on key \"%s\" (clients are processes; a client "
                        + "that saw an unknown outcome goes on as a new process):%n  %-7s %-7s %-40s %-20s %12s %12s",
                prefix.size(), prefix.get(0).key(), "client", "op", "command", "response", "invoked", "returned"));
        for (Operation<I, O> op : prefix) {
            String response = switch (op.outcome()) {
                case OK -> String.valueOf(op.output().orElseThrow());
                case FAIL -> "failed";
                case UNKNOWN -> "unknown";
            };
            String returned = op.returnTime() == Operation.NEVER ? "never" : millis(op.returnTime());
            text.append(String.format("%n  %-7s %-7s %-40s %-20s %12s %12s%s", "p" + op.process(), "#" + op.id(),
                    op.input(), response, millis(op.invokeTime()), returned,
                    blocked.contains(op.id()) ? "  <- cannot be linearized" : ""));
        }
        return text.toString();
    }

    private static String millis(long nanos) {
        return String.format("%.3f ms", nanos / 1e6);
    }

    private void record(String line) {
        log.addLast(String.format("%8.1f ms  %s", scheduler.now() / 1e6, line));
        if (log.size() > LOG_LINES) {
            log.removeFirst();
        }
    }

    private SimulationFailure failure(String what, Throwable cause) {
        StringBuilder sb = new StringBuilder();
        sb.append("simulation seed ").append(seed).append(" failed at ")
                .append(String.format("%.1f ms", scheduler.now() / 1e6)).append(" of virtual time: ").append(what)
                .append("\nreplay with -Draftkit.sim.seed=").append(seed).append("\nlast faults:");
        for (String line : log) {
            sb.append("\n  ").append(line);
        }
        return new SimulationFailure(seed, sb.toString(), cause);
    }
}
