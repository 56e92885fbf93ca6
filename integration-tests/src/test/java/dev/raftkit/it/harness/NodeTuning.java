package dev.raftkit.it.harness;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The configuration every fault and crash test gives its nodes, whether they run in this JVM or
 * in child processes: the production modules (LMDB and gRPC), default Raft timing (10 ms ticks,
 * elections after 150 to 300 ms), and a small snapshot threshold so snapshots, compaction and
 * snapshot transfers happen under the faults too (RELIABILITY.md §1.2, snapshot churn).
 */
public final class NodeTuning {

    /** The cluster id of test clusters. */
    public static final String CLUSTER_ID = "raftkit-it";

    /** Entries applied between two snapshots. */
    public static final long SNAPSHOT_THRESHOLD = 200;

    private NodeTuning() {
    }

    /** Returns the configuration of {@code self} with the given members and data directory. */
    public static Config config(NodeId self, Map<NodeId, Address> members, Path dataDir) {
        return Config.builder(self, members)
                .tickInterval(Duration.ofMillis(10))
                .electionTimeoutTicks(15, 30)
                .heartbeatIntervalTicks(3)
                .snapshotThreshold(SNAPSHOT_THRESHOLD)
                .clusterId(CLUSTER_ID)
                .dataDir(dataDir)
                .logStore("lmdb")
                .transport("grpc")
                .option("lmdb.mapSize", "16MiB")
                // Reconnect quickly once a cut heals, so recovery is measured on Raft, not on backoff.
                .option("grpc.reconnectMaxBackoffMillis", "500")
                .build();
    }
}
