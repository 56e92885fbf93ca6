package dev.raftkit.it;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.it.harness.Await;
import dev.raftkit.it.harness.FaultSchedule;
import dev.raftkit.it.harness.KvWorkload;
import dev.raftkit.it.harness.RunChecks;
import dev.raftkit.it.harness.StatusMonitor;
import dev.raftkit.it.process.ProcessCluster;
import dev.raftkit.testkit.toxiproxy.ToxiproxyNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Runs a seeded schedule of {@link CrashStep}s on a 3-node {@link ProcessCluster} while the
 * workload runs, then checks the run with {@link RunChecks}, and that no node logged, as a leader,
 * that a follower lost entries it had acknowledged. Every step type runs once per round,
 * in a seeded order; the system property {@value #ROUNDS_PROPERTY} sets the number of rounds.
 */
final class CrashSuite {

    /** The system property that sets how many rounds of steps a crash run makes (default 1). */
    static final String ROUNDS_PROPERTY = "raftkit.it.crashRounds";

    private CrashSuite() {
    }

    /**
     * Runs the schedule and the checks.
     *
     * @param scenario the name in the fault report
     * @param membersByNode each node's members map
     * @param network the Toxiproxy network the nodes talk through, or null for direct loopback
     *     (then only the steps without network faults run)
     * @param dataRoot where the nodes keep their LMDB directories
     * @param logRoot where each node's output is written
     * @throws AssertionError if a check fails, with the seed and the schedule
     */
    static void run(String scenario, Map<NodeId, Map<NodeId, Address>> membersByNode, ToxiproxyNetwork network,
            Path dataRoot, Path logRoot) throws Exception {
        FaultSchedule schedule = FaultSchedule.seeded();
        Path logDir = logRoot.resolve(scenario + "-" + schedule.seed());
        schedule.log(scenario + ": node output in " + logDir);
        try (ProcessCluster cluster = ProcessCluster.start(membersByNode, dataRoot, logDir)) {
            Await.value("a first leader", Duration.ofSeconds(60), cluster::leader);
            StatusMonitor monitor = StatusMonitor.start(cluster, Duration.ofMillis(50));
            KvWorkload workload = new KvWorkload(cluster, new KvWorkload.Settings(4, Duration.ofSeconds(2),
                    Duration.ofSeconds(1), 2, Duration.ofMillis(10)), schedule.seed());
            try {
                workload.start();
                Thread.sleep(500);
                CrashStep.Context context = new CrashStep.Context(cluster, network, schedule);
                for (CrashStep step : steps(network != null, schedule)) {
                    schedule.log("step " + step);
                    step.run(context);
                    Thread.sleep(schedule.millisBetween(500, 1000));
                }
                workload.stop();
                RunChecks.verify(scenario, cluster, workload, monitor, schedule);
                List<String> problems = new ArrayList<>();
                RunChecks.checkNoAcknowledgedEntriesLost(
                        cluster.outputLinesContaining(RunChecks.LOST_ACKNOWLEDGED_WARNING), problems);
                if (!problems.isEmpty()) {
                    throw new AssertionError(String.join("\n", problems) + "\n" + schedule.describe());
                }
            } finally {
                workload.stop();
                monitor.close();
                if (network != null) {
                    network.heal();
                }
            }
        }
    }

    private static List<CrashStep> steps(boolean withNetwork, FaultSchedule schedule) {
        List<CrashStep> all = new ArrayList<>();
        for (int round = 0; round < Integer.getInteger(ROUNDS_PROPERTY, 1); round++) {
            List<CrashStep> steps = new ArrayList<>(Arrays.stream(CrashStep.values())
                    .filter(step -> withNetwork || !step.needsNetwork()).toList());
            Collections.shuffle(steps, schedule.random());
            all.addAll(steps);
        }
        return all;
    }
}
