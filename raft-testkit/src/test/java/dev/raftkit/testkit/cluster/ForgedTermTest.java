package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.testkit.kv.KvCommand;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, item 1, on a running cluster: one forged heartbeat of term {@link Long#MAX_VALUE}
 * moved every node to that term, and the next campaign's term overflowed, so no leader was ever
 * elected again, even after restarts. The forged messages here bypass the transport's own check and
 * reach the engines, which must drop them; the cluster must go on electing leaders and taking writes.
 */
class ForgedTermTest extends ClusterTestBase {

    /** Far above any term this test's elections reach, far below the bound. */
    private static final long SANE_TERM = 1_000;

    @Test
    void aForgedHugeTermReachingEveryEngineDoesNotStopElectionsOrWrites() {
        cluster = clusterOf(3).build().startAll();
        NodeId first = cluster.awaitAgreedLeader();
        assertThat(Await.value(cluster.node(first).write(KvCommand.put("before", "v")))).isEqualTo("OK");

        for (NodeId to : cluster.running()) {
            NodeId forger = cluster.ids().get((cluster.ids().indexOf(to) + 1) % cluster.ids().size());
            transport(to).inject(new Heartbeat(forger, to, Long.MAX_VALUE, Long.MAX_VALUE, 1));
            transport(to).inject(new RequestVote(forger, to, Long.MAX_VALUE, Long.MAX_VALUE,
                    Long.MAX_VALUE, false, true));
        }
        assertThat(Await.value(cluster.node(first).write(KvCommand.put("afterForgery", "v"))))
                .as("the leader still leads").isEqualTo("OK");

        cluster.stop(first); // forces an election, which a wrapped term would make impossible
        NodeId second = cluster.awaitAgreedLeader();
        assertThat(Await.value(cluster.node(second).write(KvCommand.put("afterElection", "v")))).isEqualTo("OK");

        cluster.start(first);
        cluster.stop(second);
        NodeId third = cluster.awaitAgreedLeader();
        assertThat(Await.value(cluster.node(third).write(KvCommand.put("afterRestart", "v")))).isEqualTo("OK");
        for (NodeId i : cluster.running()) {
            assertThat(cluster.node(i).status().term()).as("term of node %s", i)
                    .isBetween(1L, SANE_TERM).isLessThan(RaftMessage.MAX_TERM);
        }
    }
}
