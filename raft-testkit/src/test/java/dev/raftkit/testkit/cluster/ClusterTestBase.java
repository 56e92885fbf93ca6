package dev.raftkit.testkit.cluster;

import org.junit.jupiter.api.AfterEach;

/** Holds the cluster a test starts and closes it afterwards, whatever the outcome. */
abstract class ClusterTestBase {

    /** The cluster under test; a test assigns it. */
    protected TestCluster cluster;

    @AfterEach
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }
}
