package dev.raftkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.it.harness.ClusterAccess;
import dev.raftkit.it.harness.FaultSchedule;
import dev.raftkit.it.harness.GroupsWorkload;
import dev.raftkit.it.harness.Ledger;
import dev.raftkit.it.harness.Ports;
import dev.raftkit.it.harness.RecordedOperations;
import dev.raftkit.it.harness.RunChecks;
import dev.raftkit.it.harness.Toxiproxies;
import dev.raftkit.it.process.HostMain;
import dev.raftkit.it.process.ProcessCluster;
import dev.raftkit.testkit.linearizability.CheckResult;
import dev.raftkit.testkit.linearizability.KvInput;
import dev.raftkit.testkit.linearizability.KvOutput;
import dev.raftkit.testkit.linearizability.KvRegisterModel;
import dev.raftkit.testkit.linearizability.LinearizabilityChecker;
import dev.raftkit.testkit.toxiproxy.NetworkFault;
import dev.raftkit.testkit.toxiproxy.ToxiproxyEndpoint;
import dev.raftkit.testkit.toxiproxy.ToxiproxyExtension;
import dev.raftkit.testkit.toxiproxy.ToxiproxyNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many groups on three hosts survive a partition and a crash (issue 20): three host processes
 * ({@link HostMain}: one {@code RaftHost} each, LMDB and gRPC) run {@value #GROUPS} groups, each
 * with one member per host, and reach each other only through Toxiproxy. Clients spread writes and
 * linearizable reads over all groups while one host is cut off from the others (every group loses
 * that member at once) and healed, then while one host is killed with SIGKILL and restarted on its
 * data directory (it starts its groups again, which recover from their data). Afterwards:
 * <ul>
 *   <li>every group is writable again and elects a leader;</li>
 *   <li>in every group, all three members converge to the same state, no command was applied
 *       twice, every acknowledged write is in that state, and nothing no client sent;</li>
 *   <li>no host logged, as a leader, that a follower lost entries it had acknowledged;</li>
 *   <li>every group's history, with final reads of all its keys, is linearizable (checked per
 *       group);</li>
 *   <li>no client thread and no host process is left running.</li>
 * </ul>
 * The host cut off, and later the host killed, is the one leading the most groups at the time, so
 * the most groups fail over. Seeded by {@value FaultSchedule#SEED_PROPERTY}: the durations and the
 * clients' choices; the seed and the schedule are printed on failure. Each group sees few
 * operations: {@link #LOAD}'s six clients share all groups, pause 20 ms between two operations
 * (so the budget lasts through every phase), and start at most 24 operations per group on average
 * until the killed host is back, and at most 8 more after that (kept for then, so
 * the clients do run against the restarted host however fast the earlier phases went). That keeps
 * every group's history small for the checker and the run within a few minutes.
 */
class HostsPartitionKillTest {

    private static final int HOSTS = 3;
    private static final int GROUPS = 200;
    private static final GroupsWorkload.Settings LOAD = new GroupsWorkload.Settings(6, Duration.ofSeconds(2), 2,
            Duration.ofMillis(20), 24L * GROUPS);
    /** Operations granted to the clients once the killed host is back, so they run after the restart. */
    private static final long AFTER_RESTART_BUDGET = 8L * GROUPS;

    private static final Duration LEADERS_BOUND = Duration.ofSeconds(90);
    private static final Duration PROBE_BOUND = Duration.ofSeconds(60);
    private static final Duration FINAL_READ_BOUND = Duration.ofSeconds(60);
    private static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(60);
    private static final Duration CHECK_BUDGET = Duration.ofSeconds(20);
    private static final Duration PROCESS_EXIT_BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static final ToxiproxyExtension TOXIPROXY = Toxiproxies.forThisMachine();

    @TempDir
    Path dataRoot;

    @Test
    void everyGroupStaysLinearizableAndLosesNoWriteThroughAPartitionAndAKill() throws Exception {
        ToxiproxyEndpoint endpoint = TOXIPROXY.endpoint();
        Map<NodeId, Address> addresses = Ports.nodeAddresses(endpoint.serviceBindHost(), HOSTS);
        FaultSchedule schedule = FaultSchedule.seeded();
        Path logDir = Path.of("target", "it-logs", "HOSTS_PARTITION_KILL-" + schedule.seed());
        schedule.log(HOSTS + " hosts with " + GROUPS + " groups each at " + addresses + "; host output in " + logDir);
        List<Long> pids = new ArrayList<>();
        GroupsWorkload workload = null;
        try (ToxiproxyNetwork network = ToxiproxyNetwork.create(endpoint, addresses);
                ProcessCluster cluster = ProcessCluster.startHosts(membersThroughProxies(network), GROUPS,
                        dataRoot, logDir)) {
            cluster.nodes().forEach(host -> pids.add(cluster.pid(host)));
            Map<GroupId, ClusterAccess> groups = new TreeMap<>();
            HostMain.groupIds(GROUPS).forEach(group -> groups.put(group, cluster.group(group)));
            Map<GroupId, NodeId> leaders = awaitLeaders(groups, schedule);
            workload = new GroupsWorkload(groups, LOAD, schedule.seed());
            workload.start();
            Thread.sleep(schedule.millisBetween(2_000, 4_000));
            cutOffOneHost(network, groups, leaders, workload, schedule);
            Thread.sleep(schedule.millisBetween(2_000, 4_000));
            NodeId busiest = busiestHost(awaitLeaders(groups, schedule));
            long acknowledgedBeforeKill = killAndRestartOneHost(cluster, busiest, workload, schedule, pids);
            Thread.sleep(schedule.millisBetween(4_000, 6_000));
            workload.stop();
            schedule.log("clients stopped after " + workload.operationsStarted() + " operation(s); "
                    + workload.acknowledgedWrites() + " write(s) acknowledged; failures " + workload.failures());
            assertThat(workload.acknowledgedWrites()).as("writes acknowledged once the killed host was back")
                    .isGreaterThan(acknowledgedBeforeKill);
            verify(groups, workload, schedule,
                    cluster.outputLinesContaining(RunChecks.LOST_ACKNOWLEDGED_WARNING));
            System.out.println(schedule.describe());
        } catch (AssertionError | Exception e) {
            throw new AssertionError(e.getMessage() + "\n" + schedule.describe(), e);
        } finally {
            if (workload != null) {
                workload.stop();
            }
        }
        assertThat(workload.liveClients()).as("client threads left running").isEmpty();
        assertThat(stillAlive(pids)).as("host processes left running (pids)").isEmpty();
    }

    private static Map<NodeId, Map<NodeId, Address>> membersThroughProxies(ToxiproxyNetwork network) {
        Map<NodeId, Map<NodeId, Address>> members = new TreeMap<>();
        network.nodes().forEach(host -> members.put(host, network.membersFor(host)));
        return members;
    }

    /** Waits until every group has a member that reports itself leader; returns each group's leader. */
    private static Map<GroupId, NodeId> awaitLeaders(Map<GroupId, ClusterAccess> groups, FaultSchedule schedule)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + LEADERS_BOUND.toNanos();
        Map<GroupId, NodeId> leaders = new TreeMap<>();
        SortedSet<GroupId> leaderless = new TreeSet<>(groups.keySet());
        while (!leaderless.isEmpty()) {
            for (GroupId group : new ArrayList<>(leaderless)) {
                Optional<NodeId> leader = groups.get(group).leader();
                if (leader.isPresent()) {
                    leaders.put(group, leader.get());
                    leaderless.remove(group);
                }
            }
            if (!leaderless.isEmpty() && System.nanoTime() > deadline) {
                throw new AssertionError("not every group elected a leader within " + LEADERS_BOUND.toSeconds() + " s: "
                        + leaderless.size() + " group(s) without a leader, e.g. " + leaderless.first());
            }
            Thread.sleep(100);
        }
        schedule.log("every group elected a leader after " + (System.nanoTime() - start) / 1_000_000 + " ms; leaders per host: "
                + countPerHost(leaders));
        return leaders;
    }

    /**
     * Cuts the host leading the most groups off from both others for a seeded while, then heals.
     * Before healing, checks that every group it led elected a leader on the majority side.
     */
    private static void cutOffOneHost(ToxiproxyNetwork network, Map<GroupId, ClusterAccess> groups,
            Map<GroupId, NodeId> leaders, GroupsWorkload workload, FaultSchedule schedule)
            throws InterruptedException {
        NodeId isolated = busiestHost(leaders);
        List<GroupId> ledByIsolated = leaders.entrySet().stream().filter(e -> e.getValue().equals(isolated))
                .map(Map.Entry::getKey).toList();
        long cutMillis = schedule.millisBetween(4_000, 7_000);
        schedule.log("cut off " + isolated + " (leading " + ledByIsolated.size() + " group(s)) for " + cutMillis
                + " ms, after " + workload.operationsStarted() + " operation(s)");
        NetworkFault cut = network.isolate(isolated);
        try {
            Thread.sleep(cutMillis);
            long failedOver = ledByIsolated.stream().filter(group -> groups.get(group).leader()
                    .filter(leader -> !leader.equals(isolated)).isPresent()).count();
            schedule.log(failedOver + " of the " + ledByIsolated.size() + " group(s) " + isolated
                    + " led have a leader on the majority side");
            assertThat(failedOver).as("groups led by the cut-off host that elected a new leader")
                    .isEqualTo(ledByIsolated.size());
        } finally {
            cut.heal();
        }
        schedule.log("healed " + isolated);
    }

    /**
     * Kills the host with SIGKILL while the clients run, keeps it down for a seeded while, and
     * restarts it on its directory; returns how many writes were acknowledged when it was back.
     */
    private static long killAndRestartOneHost(ProcessCluster cluster, NodeId killed, GroupsWorkload workload,
            FaultSchedule schedule, List<Long> pids) throws Exception {
        schedule.log("kill -9 " + killed + " (pid " + cluster.pid(killed) + ") after " + workload.operationsStarted()
                + " operation(s)");
        cluster.kill(killed);
        Thread.sleep(schedule.millisBetween(500, 2_000));
        long restart = System.nanoTime();
        cluster.restart(killed);
        pids.add(cluster.pid(killed));
        workload.grant(AFTER_RESTART_BUDGET);
        long acknowledged = workload.acknowledgedWrites();
        schedule.log(killed + " restarted with its " + GROUPS + " groups in " + (System.nanoTime() - restart) / 1_000_000
                + " ms (pid " + cluster.pid(killed) + "); " + acknowledged + " write(s) acknowledged so far");
        return acknowledged;
    }

    /**
     * Runs every check on the stopped workload, and on {@code leaderWarnings} (the hosts' output
     * lines saying a follower lost acknowledged entries, which must be none); fails with all problems found.
     */
    private static void verify(Map<GroupId, ClusterAccess> groups, GroupsWorkload workload, FaultSchedule schedule,
            List<String> leaderWarnings) throws InterruptedException {
        List<String> problems = new ArrayList<>(workload.clientErrors());
        RunChecks.checkNoAcknowledgedEntriesLost(leaderWarnings, problems);
        long probesStart = System.nanoTime();
        SortedSet<String> unwritable = workload.probeEveryGroup(PROBE_BOUND);
        if (!unwritable.isEmpty()) {
            problems.add(unwritable.size() + " group(s) not writable within " + PROBE_BOUND.toSeconds()
                    + " s after the faults: " + unwritable);
        }
        SortedSet<String> unread = workload.finalReads(FINAL_READ_BOUND);
        if (!unread.isEmpty()) {
            problems.add("final linearizable reads failed for " + unread.size() + " key(s): " + unread);
        }
        schedule.log("probe writes to every group and final reads of every key took "
                + (System.nanoTime() - probesStart) / 1_000_000 + " ms");
        long checksStart = System.nanoTime();
        long deadline = checksStart + CONVERGENCE_BOUND.toNanos();
        SortedMap<GroupId, RecordedOperations> operations = workload.operations();
        long checked = 0;
        for (Map.Entry<GroupId, RecordedOperations> group : operations.entrySet()) {
            List<String> groupProblems = new ArrayList<>();
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            Map<NodeId, Ledger> ledgers = RunChecks.awaitConvergence(groups.get(group.getKey()), left, groupProblems);
            RunChecks.checkLedgers(ledgers, group.getValue().acknowledgedTokens(), group.getValue().invokedTokens(),
                    groupProblems);
            CheckResult<KvInput<String>, KvOutput<String>> result = LinearizabilityChecker
                    .of(new KvRegisterModel<String>()).withParallelism(2).withTimeBudget(CHECK_BUDGET)
                    .check(group.getValue().history());
            if (!result.isLinearizable()) {
                groupProblems.add(result.explain());
            }
            checked += result.operationsChecked();
            groupProblems.forEach(problem -> problems.add("group " + group.getKey() + ": " + problem));
        }
        schedule.log("checked " + checked + " operation(s) in " + operations.size() + " group histories, and every "
                + "group's ledgers, in " + (System.nanoTime() - checksStart) / 1_000_000 + " ms");
        if (!problems.isEmpty()) {
            StringBuilder message = new StringBuilder(problems.size() + " check(s) failed:\n");
            problems.stream().limit(50).forEach(p -> message.append("- ").append(p.strip()).append('\n'));
            message.append("failures by kind: ").append(workload.failures());
            throw new AssertionError(message.toString());
        }
    }

    /** Returns the host that leads the most groups; the first in id order among equals. */
    private static NodeId busiestHost(Map<GroupId, NodeId> leaders) {
        Map<NodeId, Long> counts = countPerHost(leaders);
        return counts.entrySet().stream().max(Map.Entry.<NodeId, Long>comparingByValue()
                .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder()))).orElseThrow().getKey();
    }

    private static Map<NodeId, Long> countPerHost(Map<GroupId, NodeId> leaders) {
        Map<NodeId, Long> counts = new TreeMap<>();
        leaders.values().forEach(host -> counts.merge(host, 1L, Long::sum));
        return counts;
    }

    /** Waits a little for each process to exit; returns those still alive. */
    private static List<Long> stillAlive(List<Long> pids) throws InterruptedException {
        long deadline = System.nanoTime() + PROCESS_EXIT_BOUND.toNanos();
        List<Long> alive = new ArrayList<>();
        for (long pid : pids) {
            Optional<ProcessHandle> process = ProcessHandle.of(pid);
            while (process.isPresent() && process.get().isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            if (process.isPresent() && process.get().isAlive()) {
                alive.add(pid);
            }
        }
        return alive;
    }
}
