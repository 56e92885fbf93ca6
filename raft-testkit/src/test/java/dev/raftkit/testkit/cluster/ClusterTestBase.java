package dev.raftkit.testkit.cluster;

import dev.raftkit.NodeId;
import dev.raftkit.testkit.kv.KvCommand;
import org.junit.jupiter.api.AfterEach;

/**
 * Holds the {@link LiveCluster} a test of this package starts, with {@link RecordingKv} state
 * machines, {@link RecordingListener}s and {@link InstrumentedTransport}s, and closes it afterwards,
 * whatever the outcome. Tests whose every cluster is the default one use {@link #extension()} instead.
 */
abstract class ClusterTestBase {

    /** The cluster under test; a test assigns it. */
    protected LiveCluster<KvCommand, String, RecordingKv, RecordingListener> cluster;

    /**
     * Describes a cluster of {@code voters} founding voters; a stopped node's held applies are
     * released once it closed, so a held write fails with ShutdownException.
     */
    static LiveCluster.Builder<KvCommand, String, RecordingKv, RecordingListener> clusterOf(int voters) {
        return LiveCluster.builder(KvCommand.CODEC, RecordingKv::new, RecordingListener::new)
                .voters(voters)
                .transports(InstrumentedTransport::new)
                .afterStop(RecordingKv::release);
    }

    /**
     * Returns an extension that starts, for each test, the cluster {@link #clusterOf} describes, with
     * as many voters as the test's {@link RaftCluster} says (3 by default).
     */
    static RaftClusterExtension<KvCommand, String, RecordingKv, RecordingListener> extension() {
        return RaftClusterExtension.of(() -> clusterOf(3));
    }

    /** Returns the instrumented transport of the last start of {@code id}. */
    InstrumentedTransport transport(NodeId id) {
        return (InstrumentedTransport) cluster.transport(id);
    }

    @AfterEach
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }
}
