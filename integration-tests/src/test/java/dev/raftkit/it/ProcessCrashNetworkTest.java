package dev.raftkit.it;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.it.harness.Ports;
import dev.raftkit.it.harness.Toxiproxies;
import dev.raftkit.testkit.toxiproxy.ToxiproxyEndpoint;
import dev.raftkit.testkit.toxiproxy.ToxiproxyExtension;
import dev.raftkit.testkit.toxiproxy.ToxiproxyNetwork;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes as separate JVMs that reach each other only through Toxiproxy: every crash and
 * pause step of {@link ProcessCrashTest}, plus kills and pauses combined with isolation, one-way
 * loss and latency.
 */
class ProcessCrashNetworkTest {

    @RegisterExtension
    static final ToxiproxyExtension TOXIPROXY = Toxiproxies.forThisMachine();

    @TempDir
    Path dataRoot;

    @Test
    void killsAndPausesUnderNetworkFaultsKeepTheHistoryLinearizable() throws Exception {
        ToxiproxyEndpoint endpoint = TOXIPROXY.endpoint();
        Map<NodeId, Address> addresses = Ports.nodeAddresses(endpoint.serviceBindHost(), 3);
        try (ToxiproxyNetwork network = ToxiproxyNetwork.create(endpoint, addresses)) {
            Map<NodeId, Map<NodeId, Address>> members = new TreeMap<>();
            network.nodes().forEach(id -> members.put(id, network.membersFor(id)));
            CrashSuite.run("PROCESS_CRASH_PAUSE_NETWORK", members, network, dataRoot, Path.of("target", "it-logs"));
        }
    }
}
