package dev.raftkit.it;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.it.harness.Ports;
import java.nio.file.Path;
import java.util.Map;
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
        Map<NodeId, Map<NodeId, Address>> members = Ports.loopbackMembers(3);
        CrashSuite.run("PROCESS_CRASH_PAUSE", members, null, dataRoot, Path.of("target", "it-logs"));
    }
}
