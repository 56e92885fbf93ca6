package dev.raftkit.testkit.sim;

import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.linearizability.CheckResult;
import dev.raftkit.testkit.linearizability.History;
import dev.raftkit.testkit.linearizability.LinearizabilityChecker;
import dev.raftkit.testkit.linearizability.Operation;
import dev.raftkit.testkit.linearizability.Outcome;
import dev.raftkit.testkit.memory.MemoryNetwork;
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
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

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
    /** How long every group of hosts must stay silent at the idle end of a run. */
    private static final long QUIET_NANOS = 1000 * MS;

    private final long seed;
    private final SimulationOptions.Settings settings;
    private final Supplier<? extends Workload<C, R, M, I, O>> workloads;
    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final ArrayDeque<String> log = new ArrayDeque<>();

    /**
     * @param workloads makes the workload of each group (a workload may keep state about its group's run)
     */
    SimulationRun(long seed, SimulationOptions.Settings settings,
            Supplier<? extends Workload<C, R, M, I, O>> workloads) {
        this.seed = seed;
        this.settings = settings;
        this.workloads = workloads;
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
        SimRuntime.Latencies latencies = new SimRuntime.Latencies(2_000, 50_000, 50_000, 2 * MS);
        // Each seed draws its own snapshot settings, from none to constant snapshots in tiny chunks.
        Map<String, String> options = new LinkedHashMap<>();
        long snapshotThreshold = random.nextInt(4) == 0 ? 0 : 10 + random.nextInt(150);
        options.put("raftkit.snapshot.trailingEntries", Integer.toString(random.nextInt(20)));
        options.put("raftkit.snapshot.chunkBytes", Integer.toString(16 + random.nextInt(500)));
        options.putAll(settings.engineOptions());
        Deployment deployment = settings.groupsPerHost() == 1
                ? cluster(random, latencies, snapshotThreshold, options)
                : hosts(random, latencies, snapshotThreshold, options);
        deployment.network.delay(Duration.ofNanos(100_000), Duration.ofMillis(2));
        deployment.startAll.run();
        List<GroupRun> groups = deployment.groups;

        for (GroupRun group : groups) {
            // Clients of even seeds write through sessions and retry uncertain writes, if the workload can.
            Optional<SafetyMonitor<C>> sessions = group.workload.responseCodec().isPresent() && seed % 2 == 0
                    ? Optional.of(group.monitor()) : Optional.empty();
            for (int c = 0; c < settings.clients(); c++) {
                SimClient<C, R, M, I, O> client = new SimClient<>(group.members, scheduler, random.split(),
                        group.history, group.workload.requests(c), 1000 * MS, t -> group.lastWriteOk = t,
                        group::nodeStopped, sessions);
                group.clients.add(client);
                client.start();
            }
        }
        if (settings.faults()) {
            scheduleStrikes(random.split(), deployment.nemesis, settings.faultNanos());
        }
        scheduleStatusChecks(groups);

        Runnable afterEach = deployment::check;
        scheduler.runUntil(settings.faultNanos(), afterEach);
        deployment.nemesis.healAll();
        long healedAt = scheduler.now();
        scheduler.runUntil(healedAt + 3000 * MS, afterEach);
        for (GroupRun group : groups) {
            if (group.lastWriteOk < healedAt) {
                throw new SafetyViolation(group.where("liveness: no write succeeded within 3 s after every fault "
                        + "healed:" + statuses(group.members)));
            }
        }
        groups.forEach(group -> group.clients.forEach(SimClient::stop));
        scheduler.runUntil(scheduler.now() + 1500 * MS, afterEach);
        for (GroupRun group : groups) {
            group.leader = awaitConvergence(group, afterEach);
            SimClient<C, R, M, I, O> reader = new SimClient<>(group.members, scheduler, random.split(), group.history,
                    group.workload.requests(settings.clients()), 1000 * MS, t -> { }, group::nodeStopped,
                    Optional.empty());
            reader.stop();
            group.workload.finish(reader, group.leader,
                    () -> scheduler.runUntil(scheduler.now() + 50 * MS, afterEach));
        }
        scheduler.runUntil(scheduler.now() + 1100 * MS, afterEach);
        for (GroupRun group : groups) {
            compareStates(group);
            group.named(() -> group.workload.checkEnd(group.history, group.monitor()));
            checkLinearizable(group);
        }
        deployment.sentBy.ifPresent(sentBy -> checkGroupsGoQuiet(groups, sentBy, afterEach));
        deployment.crashAll.run();
        return new SimulationReport(seed, scheduler.executed(),
                groups.stream().mapToInt(group -> group.history.operations().size()).sum(),
                groups.stream().mapToInt(group -> (int) group.history.operations().stream()
                        .filter(o -> o.outcome() == Outcome.OK).count()).sum(),
                groups.stream().mapToInt(group -> group.monitor().leaderTerms()).sum(),
                groups.stream().mapToInt(group -> group.monitor().applied().size()).sum());
    }

    /** One group of single nodes, with membership changes if there are spares. */
    private Deployment cluster(SplittableRandom random, SimRuntime.Latencies latencies, long snapshotThreshold,
            Map<String, String> options) {
        Workload<C, R, M, I, O> workload = workloads.get();
        SimCluster<C, R, M> cluster = new SimCluster<>(scheduler, random.split(),
                new SafetyMonitor<>(workload.codec()), workload.stateMachines(), workload.codec(),
                workload.responseCodec(), settings.nodes(), settings.spares(), latencies, snapshotThreshold, options,
                settings.clockDrift());
        SplittableRandom faults = random.split();
        Optional<ExtraFault> membership = settings.spares() > 0
                ? Optional.<ExtraFault>of(new MembershipChanges(cluster, scheduler, faults, settings.nodes(),
                        this::record))
                : Optional.empty();
        return new Deployment(List.of(new GroupRun("", cluster, workload)),
                new Nemesis<>(cluster, scheduler, faults, membership, this::record), cluster.network(),
                () -> cluster.initialVoters().forEach(cluster::start), cluster::crashAll, () -> { }, Optional.empty());
    }

    /** Hosts that each hold a member of every group, watched so that no message crosses groups. */
    private Deployment hosts(SplittableRandom random, SimRuntime.Latencies latencies, long snapshotThreshold,
            Map<String, String> options) {
        List<Workload<C, R, M, I, O>> groupWorkloads = new ArrayList<>();
        for (int g = 0; g < settings.groupsPerHost(); g++) {
            groupWorkloads.add(workloads.get());
        }
        CrossGroupMonitor crossGroup = new CrossGroupMonitor(scheduler::now);
        SimHosts<C, R, M> hosts = new SimHosts<>(scheduler, random.split(), groupWorkloads, settings.nodes(),
                latencies, snapshotThreshold, options, settings.clockDrift(), crossGroup::watch);
        List<GroupRun> groups = new ArrayList<>();
        for (int g = 0; g < groupWorkloads.size(); g++) {
            SimHosts<C, R, M>.HostedGroup group = hosts.groups().get(g);
            groups.add(new GroupRun(group.id().value(), group, groupWorkloads.get(g)));
        }
        SplittableRandom faults = random.split();
        Optional<ExtraFault> groupRestarts = Optional.of(new GroupRestarts<>(hosts, scheduler, faults, this::record));
        return new Deployment(groups, new Nemesis<>(hosts, scheduler, faults, groupRestarts, this::record),
                hosts.network(), hosts::startAll, hosts::crashAll, crossGroup::check,
                Optional.of(group -> crossGroup.sentBy(GroupId.of(group.name))));
    }

    /** What a run deploys: its groups, the nemesis that strikes them, and how to start and end them. */
    private final class Deployment {
        final List<GroupRun> groups;
        final Nemesis<?> nemesis;
        final MemoryNetwork network;
        final Runnable startAll;
        final Runnable crashAll;
        /** Checks what spans groups, after every event. */
        final Runnable acrossGroups;
        /** How many messages a group sent so far; present for groups of hosts, which quiesce when idle. */
        final Optional<ToLongFunction<GroupRun>> sentBy;

        Deployment(List<GroupRun> groups, Nemesis<?> nemesis, MemoryNetwork network, Runnable startAll,
                Runnable crashAll, Runnable acrossGroups, Optional<ToLongFunction<GroupRun>> sentBy) {
            this.groups = groups;
            this.nemesis = nemesis;
            this.network = network;
            this.startAll = startAll;
            this.crashAll = crashAll;
            this.acrossGroups = acrossGroups;
            this.sentBy = sentBy;
        }

        /** Throws the first safety violation recorded in any group, or across groups. */
        void check() {
            for (GroupRun group : groups) {
                group.named(group.monitor()::check);
            }
            acrossGroups.run();
        }
    }

    /** One group of the run: its members, workload, clients and history. */
    private final class GroupRun {
        /** The group's id, or empty for the only group of single nodes (whose messages name no group). */
        final String name;
        final SimGroup<C, R, M> members;
        final Workload<C, R, M, I, O> workload;
        final History<I, O> history = new History<>(scheduler::now);
        final List<SimClient<C, R, M, I, O>> clients = new ArrayList<>();
        long lastWriteOk = -1;
        NodeId leader;

        GroupRun(String name, SimGroup<C, R, M> members, Workload<C, R, M, I, O> workload) {
            this.name = name;
            this.members = members;
            this.workload = workload;
        }

        SafetyMonitor<C> monitor() {
            return members.monitor();
        }

        /** A client saw a node stop itself: the simulation injects no storage faults, so an engine bug. */
        void nodeStopped(Throwable error) {
            monitor().violate("a node stopped itself: " + error);
        }

        /** {@return {@code what}, naming this group if the run has several} */
        String where(String what) {
            return name.isEmpty() ? what : "group " + name + ": " + what;
        }

        /** Runs a check, naming this group in the violation it throws. */
        void named(Runnable check) {
            try {
                check.run();
            } catch (SafetyViolation e) {
                throw name.isEmpty() ? e : new SafetyViolation(where(e.getMessage()));
            }
        }
    }

    private void scheduleStrikes(SplittableRandom random, Nemesis<?> nemesis, long until) {
        long at = 300 * MS + random.nextLong(400 * MS);
        while (at < until) {
            scheduler.after(at, nemesis::strike);
            at += 100 * MS + random.nextLong(600 * MS);
        }
    }

    private void scheduleStatusChecks(List<GroupRun> groups) {
        scheduler.after(5 * MS, new Runnable() {
            @Override
            public void run() {
                groups.forEach(group -> group.members.checkStatuses());
                scheduler.after(5 * MS, this);
            }
        });
    }

    /**
     * Checks that the groups of hosts quiesce once idle: after the fault-free end of the run, no
     * group sends a single Raft message for {@link #QUIET_NANOS} (the hosts' liveness heartbeats go
     * on, and are not counted).
     */
    private void checkGroupsGoQuiet(List<GroupRun> groups, ToLongFunction<GroupRun> sentBy, Runnable afterEach) {
        Map<GroupRun, Long> before = new LinkedHashMap<>();
        groups.forEach(group -> before.put(group, sentBy.applyAsLong(group)));
        scheduler.runUntil(scheduler.now() + QUIET_NANOS, afterEach);
        for (GroupRun group : groups) {
            long sent = sentBy.applyAsLong(group) - before.get(group);
            if (sent > 0) {
                throw new SafetyViolation(group.where("quiescence: the idle group sent " + sent + " messages in "
                        + QUIET_NANOS / MS + " ms after the run ended:" + statuses(group.members)));
            }
        }
    }

    /**
     * Runs until one leader of {@code group} leads and every member of its configuration applied the
     * same last index.
     */
    private NodeId awaitConvergence(GroupRun group, Runnable afterEach) {
        SimGroup<C, R, M> members = group.members;
        long deadline = scheduler.now() + 10_000 * MS;
        while (scheduler.now() < deadline) {
            // The leader of the highest term: a deposed one may not have noticed yet.
            NodeId leader = null;
            long leaderTerm = -1;
            for (NodeId id : members.ids()) {
                SimGroup.Incarnation<C, R, M> at = members.incarnation(id);
                if (at == null) {
                    continue; // a spare that never joined
                }
                var status = at.node().status();
                if (status.role() == Role.LEADER && status.term() > leaderTerm) {
                    leader = id;
                    leaderTerm = status.term();
                }
            }
            if (leader != null && membersAgree(members, leader)) {
                return leader;
            }
            scheduler.runUntil(scheduler.now() + 50 * MS, afterEach);
        }
        throw new SafetyViolation(group.where("convergence: nodes did not agree within 10 s after healing:"
                + statuses(members)));
    }

    private static String statuses(SimGroup<?, ?, ?> group) {
        StringBuilder states = new StringBuilder();
        for (NodeId id : group.ids()) {
            SimGroup.Incarnation<?, ?, ?> incarnation = group.incarnation(id);
            states.append("\n  ").append(incarnation == null ? id + " down" : incarnation.node().status());
        }
        return states.toString();
    }

    private static boolean membersAgree(SimGroup<?, ?, ?> group, NodeId leader) {
        var leaderStatus = group.incarnation(leader).node().status();
        Set<Long> applied = new HashSet<>();
        for (NodeId id : members(group, leader)) {
            SimGroup.Incarnation<?, ?, ?> member = group.incarnation(id);
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
    private static Set<NodeId> members(SimGroup<?, ?, ?> group, NodeId leader) {
        var status = group.incarnation(leader).node().status();
        Set<NodeId> members = new TreeSet<>(status.voters());
        members.addAll(status.learners());
        return members;
    }

    private void compareStates(GroupRun group) {
        Object reference = null;
        NodeId referenceNode = null;
        for (NodeId id : members(group.members, group.leader)) {
            Object state = group.workload.stateOf(group.members.incarnation(id).state());
            if (reference == null) {
                reference = state;
                referenceNode = id;
            } else if (!reference.equals(state)) {
                throw new SafetyViolation(group.where("state machine safety: " + referenceNode + " holds " + reference
                        + " but " + id + " holds " + state));
            }
        }
    }

    private void checkLinearizable(GroupRun group) {
        LinearizabilityChecker<I, O> checker = LinearizabilityChecker.of(group.workload.model())
                .withTimeBudget(Duration.ofSeconds(30));
        CheckResult<I, O> verdict = checker.check(group.history);
        if (!verdict.isLinearizable()) {
            throw new SafetyViolation(group.where("linearizability: " + verdict.explain()
                    + historyOfFirstUndecidedKey(group.history, verdict)
                    + shrunk(checker, group.history.operations())));
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
