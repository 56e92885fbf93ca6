package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.ShutdownException;
import dev.raftkit.testkit.kv.KvCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code Node.awaitLeader()} on real-time clusters: called on every node right after start it
 * completes once a leader is elected, so a first write needs no polling; on a node that can never
 * elect one it waits until the node closes, then fails with {@link ShutdownException}.
 */
class AwaitLeaderTest extends ClusterTestBase {

    @Test
    void calledRightAfterStartItCompletesOnEveryNodeOnceALeaderIsElected() {
        cluster = clusterOf(3).build().startAll();
        List<CompletableFuture<NodeId>> leaders = new ArrayList<>();
        for (NodeId id : cluster.ids()) {
            leaders.add(cluster.node(id).awaitLeader());
        }

        for (CompletableFuture<NodeId> leader : leaders) {
            assertThat(Await.value(leader)).isIn(cluster.ids());
        }
        NodeId agreed = cluster.awaitAgreedLeader();
        for (NodeId id : cluster.ids()) {
            assertThat(cluster.node(id).awaitLeader()).as("known now: at once").isCompletedWithValue(agreed);
        }
        // The README's first write: wait for the leader, then write there.
        Node<KvCommand, String> node = cluster.node(cluster.id(0));
        NodeId leader = node.awaitLeader().orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(Await.value(cluster.node(leader).write(KvCommand.put("first", "v")))).isEqualTo("OK");
    }

    @Test
    void onANodeThatCannotElectALeaderItWaitsUntilTheNodeClosesThenFailsWithShutdown() {
        cluster = clusterOf(3).build();
        NodeId lonely = cluster.id(0);
        Node<KvCommand, String> node = cluster.start(lonely); // one of three: no quorum, no leader
        CompletableFuture<NodeId> leader = node.awaitLeader();
        Await.until(lonely + " campaigns, in vain", () -> node.role() == Role.PRE_CANDIDATE);
        assertThat(leader).as("still waiting after an election timeout").isNotDone();

        cluster.stop(lonely);
        assertThat(Await.failure(leader, ShutdownException.class).mayHaveCommitted()).isFalse();
        Await.failure(node.awaitLeader(), ShutdownException.class);
    }
}
