package dev.raftkit.it;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.it.harness.Ports;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes as separate JVMs on loopback, killed with SIGKILL (leader, follower, a majority,
 * everyone), restarted on their LMDB directories, and frozen with SIGSTOP past the election
 * timeout, while clients run; the history and the final state are checked. Needs no Docker.
 */
class ProcessCrashTest {

    @TempDir
    Path dataRoot;

    @Test
    void killsRestartsAndPausesKeepTheHistoryLinearizable() throws Exception {
        Map<NodeId, Address> addresses = Ports.nodeAddresses("127.0.0.1", 3);
        Map<NodeId, Map<NodeId, Address>> members = new TreeMap<>();
        addresses.keySet().forEach(id -> members.put(id, addresses));
        CrashSuite.run("PROCESS_CRASH_PAUSE", members, null, dataRoot, Path.of("target", "it-logs"));
    }
}
