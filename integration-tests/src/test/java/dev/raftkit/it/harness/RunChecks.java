package dev.raftkit.it.harness;

import dev.raftkit.NodeId;
import dev.raftkit.testkit.linearizability.CheckResult;
import dev.raftkit.testkit.linearizability.KvInput;
import dev.raftkit.testkit.linearizability.KvOutput;
import dev.raftkit.testkit.linearizability.KvRegisterModel;
import dev.raftkit.testkit.linearizability.LinearizabilityChecker;
import dev.raftkit.testkit.linearizability.Operation;
import dev.raftkit.testkit.linearizability.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What every run checks once its faults are healed and its clients stopped (RELIABILITY.md §2.4,
 * §3.6 P8 and P14):
 * <ol>
 *   <li>the cluster recovers: a write succeeds within {@link #RECOVERY_BOUND};</li>
 *   <li>every key is read on the leader with {@code readLinearizable}, into the same history;</li>
 *   <li>all nodes converge to the same state, compared with {@code readLocal} on every node;</li>
 *   <li>no command was applied twice on any node;</li>
 *   <li>no acknowledged write is missing from the converged state, and nothing was applied that
 *       no client wrote;</li>
 *   <li>the status monitor saw no term, commit or applied index go backwards and no two leaders
 *       of one term;</li>
 *   <li>no node stopped itself with a fatal error, and no client hit an unexpected error;</li>
 *   <li>the history is linearizable; an undecided check fails the run like a violation.</li>
 * </ol>
 * {@link #verify} records the run's {@link RunSummary} in the {@link FaultReport} whatever the
 * result, then fails a failing run with every problem, the seed and the fault schedule.
 */
public final class RunChecks {

    /** How long after the heal a write must succeed. */
    public static final Duration RECOVERY_BOUND = Duration.ofSeconds(30);

    private static final Duration FINAL_READ_BOUND = Duration.ofSeconds(30);
    private static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(30);
    private static final Duration LEDGER_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration CHECK_BUDGET = Duration.ofSeconds(120);

    /**
     * What a leader logs when a follower denies holding entries it acknowledged (raft-core's
     * {@code LeaderRole}): the follower lost durable data, or the leader misread an answer. The
     * processes of these tests keep their disks through kill -9, so either way it is a bug.
     */
    public static final String LOST_ACKNOWLEDGED_WARNING = "no longer holds the entries up to index";

    private RunChecks() {
    }

    /**
     * Adds a problem for every line of {@code leaderWarnings}, the processes' output lines that
     * contain {@link #LOST_ACKNOWLEDGED_WARNING}.
     */
    public static void checkNoAcknowledgedEntriesLost(List<String> leaderWarnings, List<String> problems) {
        leaderWarnings.forEach(line -> problems.add("a leader saw a follower lose entries it had acknowledged: "
                + line.strip()));
    }

    /**
     * Runs every check ({@link #evaluate}), records the summary and fails if any check failed.
     *
     * @param scenario names the run in the report
     * @param cluster the healed cluster, every node running
     * @param workload the stopped workload
     * @param monitor the status monitor of the run; closed here
     * @param schedule the run's seed and faults
     * @return the summary of a passing run
     * @throws AssertionError describing every failed check, the seed and the schedule
     * @throws InterruptedException if interrupted
     */
    public static RunSummary verify(String scenario, ClusterAccess cluster, KvWorkload workload, StatusMonitor monitor,
            FaultSchedule schedule) throws InterruptedException {
        RunSummary summary = evaluate(scenario, cluster, workload, monitor, schedule);
        FaultReport.record(summary);
        System.out.println(RunSummary.reportHeader() + "\n" + summary.reportLine() + "\n" + schedule.describe());
        if (!summary.passed()) {
            StringBuilder message = new StringBuilder(scenario).append(" on ").append(summary.nodes())
                    .append(" nodes failed ").append(summary.problems().size()).append(" check(s):\n");
            summary.problems().forEach(p -> message.append("- ").append(p.strip()).append('\n'));
            message.append("failures by kind: ").append(workload.failures()).append('\n');
            message.append(schedule.describe());
            throw new AssertionError(message.toString());
        }
        return summary;
    }

    /**
     * Runs every check and returns the summary, without recording or failing: for tests that prove
     * the checks catch a misbehaving system.
     *
     * @throws InterruptedException if interrupted
     */
    public static RunSummary evaluate(String scenario, ClusterAccess cluster, KvWorkload workload,
            StatusMonitor monitor, FaultSchedule schedule) throws InterruptedException {
        List<String> problems = new ArrayList<>(workload.clientErrors());
        Optional<Duration> recovery = workload.awaitWritable(RECOVERY_BOUND);
        if (recovery.isEmpty()) {
            problems.add("no write succeeded within " + RECOVERY_BOUND.toSeconds() + " s after the faults healed");
        }
        SortedSet<String> unread = workload.finalReads(FINAL_READ_BOUND);
        if (!unread.isEmpty()) {
            problems.add("final linearizable reads failed for " + unread.size() + " key(s): " + unread);
        }
        Map<NodeId, Ledger> ledgers = awaitConvergence(cluster, CONVERGENCE_BOUND, problems);
        checkLedgers(ledgers, workload.acknowledgedTokens(), workload.invokedTokens(), problems);
        monitor.close();
        problems.addAll(monitor.violations());
        long fatal = workload.failures().getOrDefault(FailureKind.FATAL, 0L);
        if (fatal > 0) {
            problems.add(fatal + " request(s) failed because a node stopped itself (FatalException/DriverDeadException)");
        }
        List<Operation<KvInput<String>, KvOutput<String>>> operations = workload.history().operations();
        CheckResult<KvInput<String>, KvOutput<String>> result = LinearizabilityChecker.of(new KvRegisterModel<String>())
                .withParallelism(2).withTimeBudget(CHECK_BUDGET).check(operations);
        if (!result.isLinearizable()) {
            problems.add(result.explain());
        }
        return new RunSummary(scenario, cluster.nodes().size(), schedule.seed(), operations.size(),
                count(operations, Outcome.OK), count(operations, Outcome.FAIL), count(operations, Outcome.UNKNOWN),
                result.operationsChecked(), result.keysChecked(), recovery, problems);
    }

    /**
     * Waits until every node answers with the same state and the same last command index; returns
     * the last ledgers read (possibly incomplete) and adds a problem if they never agreed.
     *
     * @param cluster the nodes
     * @param bound how long to wait; with zero, the nodes are asked once
     * @param problems where a failure is added
     * @return the last ledgers read, by node
     * @throws InterruptedException if interrupted
     */
    public static Map<NodeId, Ledger> awaitConvergence(ClusterAccess cluster, Duration bound, List<String> problems)
            throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        Map<NodeId, Ledger> ledgers = new TreeMap<>();
        Map<NodeId, String> errors = new TreeMap<>();
        while (true) {
            ledgers.clear();
            errors.clear();
            for (NodeId node : cluster.nodes()) {
                try {
                    ledgers.put(node, cluster.ledger(node, LEDGER_TIMEOUT));
                } catch (OperationException e) {
                    errors.put(node, e.getMessage());
                }
            }
            if (errors.isEmpty() && converged(ledgers)) {
                return ledgers;
            }
            if (System.nanoTime() > deadline) {
                StringBuilder text = new StringBuilder("nodes did not converge within ")
                        .append(bound.toMillis()).append(" ms:");
                ledgers.forEach((node, ledger) -> text.append("\n  ").append(node).append(": ").append(ledger.summary()));
                errors.forEach((node, error) -> text.append("\n  ").append(node).append(": unreadable, ").append(error));
                describeDifference(ledgers).ifPresent(diff -> text.append("\n  ").append(diff));
                problems.add(text.toString());
                return ledgers;
            }
            Thread.sleep(100);
        }
    }

    private static boolean converged(Map<NodeId, Ledger> ledgers) {
        Ledger first = ledgers.values().iterator().next();
        return ledgers.values().stream()
                .allMatch(l -> l.sameStateAs(first) && l.lastAppliedIndex() == first.lastAppliedIndex());
    }

    private static Optional<String> describeDifference(Map<NodeId, Ledger> ledgers) {
        if (ledgers.size() < 2) {
            return Optional.empty();
        }
        var entries = new ArrayList<>(ledgers.entrySet());
        Ledger a = entries.get(0).getValue();
        for (var other : entries.subList(1, entries.size())) {
            Ledger b = other.getValue();
            Set<String> keys = new TreeSet<>(a.data().keySet());
            keys.addAll(b.data().keySet());
            for (String key : keys) {
                if (!Objects.equals(a.data().get(key), b.data().get(key))) {
                    return Optional.of("first difference: key " + key + " is " + a.data().get(key) + " on "
                            + entries.get(0).getKey() + " but " + b.data().get(key) + " on " + other.getKey());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Checks the ledgers of converged nodes: no command applied twice on any node, every
     * acknowledged write applied, and nothing applied that no client sent.
     *
     * @param ledgers the nodes' ledgers
     * @param acknowledged the tokens of the acknowledged writes
     * @param invoked the tokens of every write sent
     * @param problems where each failure is added
     */
    public static void checkLedgers(Map<NodeId, Ledger> ledgers, Set<String> acknowledged, Set<String> invoked,
            List<String> problems) {
        ledgers.forEach((node, ledger) -> {
            if (!ledger.duplicates().isEmpty()) {
                problems.add(node + " applied " + ledger.duplicates().size() + " command(s) twice: "
                        + first(ledger.duplicates()));
            }
        });
        Optional<Ledger> reference = ledgers.values().stream()
                .max(Comparator.comparingInt(l -> l.appliedTokens().size()));
        if (reference.isEmpty()) {
            problems.add("no node's state could be read, so lost writes could not be checked");
            return;
        }
        Set<String> applied = reference.get().appliedTokens();
        SortedSet<String> lost = new TreeSet<>(acknowledged);
        lost.removeAll(applied);
        if (!lost.isEmpty()) {
            problems.add(lost.size() + " acknowledged write(s) missing from the converged state: " + first(lost));
        }
        SortedSet<String> phantom = new TreeSet<>(applied);
        phantom.removeAll(invoked);
        if (!phantom.isEmpty()) {
            problems.add(phantom.size() + " applied write(s) that no client sent: " + first(phantom));
        }
    }

    private static String first(Collection<String> values) {
        return values.stream().limit(10).toList() + (values.size() > 10 ? " ..." : "");
    }

    private static long count(List<? extends Operation<?, ?>> operations, Outcome outcome) {
        return operations.stream().filter(op -> op.outcome() == outcome).count();
    }
}
