package dev.raftkit.it.harness;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The configuration every fault and crash test gives its nodes, whether they run in this JVM or
 * in child processes: the production modules (LMDB and gRPC), default Raft timing (10 ms ticks,
 * elections after 150 to 300 ms), and a small snapshot threshold so snapshots, compaction and
 * snapshot transfers happen under the faults too (RELIABILITY.md §1.2, snapshot churn). Hosts
 * ({@link #hostConfig}, {@link #groupConfig}) get the same providers and tick.
 */
public final class NodeTuning {

    /** The cluster id of test clusters. */
    public static final String CLUSTER_ID = "raftkit-it";

    /** Entries applied between two snapshots. */
    public static final long SNAPSHOT_THRESHOLD = 200;

    private NodeTuning() {
    }

    /** Entries a group of a host applies between two snapshots: few, as each group sees few writes. */
    public static final long GROUP_SNAPSHOT_THRESHOLD = 10;

    private static final Duration TICK = Duration.ofMillis(10);
    private static final String LOG_STORE = "lmdb";
    private static final String TRANSPORT = "grpc";
    private static final String RECONNECT_BACKOFF_OPTION = "grpc.reconnectMaxBackoffMillis";
    // Reconnect quickly once a cut heals, so recovery is measured on Raft, not on backoff.
    private static final String RECONNECT_BACKOFF_MILLIS = "500";
    private static final String MAP_SIZE_OPTION = "lmdb.mapSize";

    /** Returns the configuration of {@code self} with the given members and data directory. */
    public static Config config(NodeId self, Map<NodeId, Address> members, Path dataDir) {
        return Config.builder(self, members)
                .tickInterval(TICK)
                .electionTimeoutTicks(15, 30)
                .heartbeatIntervalTicks(3)
                .snapshotThreshold(SNAPSHOT_THRESHOLD)
                .clusterId(CLUSTER_ID)
                .dataDir(dataDir)
                .logStore(LOG_STORE)
                .transport(TRANSPORT)
                .option(MAP_SIZE_OPTION, "16MiB")
                .option(RECONNECT_BACKOFF_OPTION, RECONNECT_BACKOFF_MILLIS)
                .build();
    }

    /**
     * Returns the configuration of a host listening at {@code listen}: the same providers, tick,
     * cluster id and reconnect backoff as {@link #config}, with one LMDB environment for all its
     * groups.
     */
    public static HostConfig hostConfig(Address listen, Path dataDir) {
        return HostConfig.builder(listen)
                .tickInterval(TICK)
                .clusterId(CLUSTER_ID)
                .dataDir(dataDir)
                .logStore(LOG_STORE)
                .transport(TRANSPORT)
                .option(MAP_SIZE_OPTION, "256MiB")
                .option(RECONNECT_BACKOFF_OPTION, RECONNECT_BACKOFF_MILLIS)
                .build();
    }

    /**
     * Returns the configuration of one group of a host: member {@code self} of {@code members}
     * (host addresses). Heartbeats and elections are slower than a single node's (every 100 ms,
     * elections after 400 to 800 ms) since hundreds of groups share each host's two cores here.
     */
    public static Config groupConfig(NodeId self, Map<NodeId, Address> members) {
        return Config.builder(self, members)
                .electionTimeoutTicks(40, 80)
                .heartbeatIntervalTicks(10)
                .snapshotThreshold(GROUP_SNAPSHOT_THRESHOLD)
                .build();
    }
}
