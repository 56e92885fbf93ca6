package dev.raftkit.it;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.it.harness.Await;
import dev.raftkit.it.harness.FaultSchedule;
import dev.raftkit.it.harness.KvWorkload;
import dev.raftkit.it.harness.LocalCluster;
import dev.raftkit.it.harness.Ports;
import dev.raftkit.it.harness.RunChecks;
import dev.raftkit.it.harness.StatusMonitor;
import dev.raftkit.it.harness.Toxiproxies;
import dev.raftkit.testkit.toxiproxy.ToxiproxyEndpoint;
import dev.raftkit.testkit.toxiproxy.ToxiproxyExtension;
import dev.raftkit.testkit.toxiproxy.ToxiproxyNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@link FaultShape} on 3-node and 5-node clusters of the production modules (raft-core,
 * LMDB, gRPC) in this JVM, each node reaching its peers only through Toxiproxy (one proxy per
 * directed link, in Docker when available). Concurrent clients run throughout; after the faults
 * heal, {@link RunChecks} checks the history and the cluster's state.
 *
 * <p>Each run applies faults for {@value #DEFAULT_FAULT_SECONDS} seconds; the system property
 * {@value #FAULT_SECONDS_PROPERTY} sets another length (e.g. for a soak run), and
 * {@value FaultSchedule#SEED_PROPERTY} fixes the seed.
 */
class FaultSuiteTest {

    /** The system property that sets how long each run applies faults, in seconds. */
    static final String FAULT_SECONDS_PROPERTY = "raftkit.it.faultSeconds";

    private static final int DEFAULT_FAULT_SECONDS = 5;
    private static final Duration LEADER_BOUND = Duration.ofSeconds(30);

    @RegisterExtension
    static final ToxiproxyExtension TOXIPROXY = Toxiproxies.forThisMachine();

    @TempDir
    Path dataRoot;

    static Stream<Arguments> runs() {
        return Stream.of(3, 5).flatMap(size -> Arrays.stream(FaultShape.values()).map(shape -> Arguments.of(shape, size)));
    }

    @ParameterizedTest(name = "{0} on {1} nodes")
    @MethodSource("runs")
    void historyIsLinearizableAndNothingIsLost(FaultShape shape, int size) throws Exception {
        ToxiproxyEndpoint endpoint = TOXIPROXY.endpoint();
        Map<NodeId, Address> addresses = Ports.nodeAddresses(endpoint.serviceBindHost(), size);
        FaultSchedule schedule = FaultSchedule.seeded();
        schedule.log(shape + " on " + size + " nodes at " + addresses);
        try (ToxiproxyNetwork network = ToxiproxyNetwork.create(endpoint, addresses);
                LocalCluster cluster = LocalCluster.start(membersThroughProxies(network), dataRoot)) {
            Await.value("a first leader", LEADER_BOUND, cluster::leader);
            StatusMonitor monitor = StatusMonitor.start(cluster, Duration.ofMillis(25));
            KvWorkload workload = new KvWorkload(cluster, new KvWorkload.Settings(size + 1, Duration.ofSeconds(3),
                    Duration.ofSeconds(1), size == 3 ? 2 : 3, Duration.ofMillis(10)), schedule.seed());
            try {
                workload.start();
                Thread.sleep(500);
                new FaultRun(network, cluster, schedule).run(shape, faultWindow());
                workload.stop();
                RunChecks.verify(shape.name(), cluster, workload, monitor, schedule);
            } finally {
                workload.stop();
                monitor.close();
            }
        }
    }

    private static Map<NodeId, Map<NodeId, Address>> membersThroughProxies(ToxiproxyNetwork network) {
        Map<NodeId, Map<NodeId, Address>> members = new TreeMap<>();
        network.nodes().forEach(node -> members.put(node, network.membersFor(node)));
        return members;
    }

    private static Duration faultWindow() {
        return Duration.ofSeconds(Long.getLong(FAULT_SECONDS_PROPERTY, DEFAULT_FAULT_SECONDS));
    }
}
