package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.FatalException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeState;
import dev.raftkit.NodeStatus;
import dev.raftkit.Role;
import dev.raftkit.testkit.kv.KvCommand;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * API.md "Limits and node state": {@code status()} tells a running node from a closed one and from
 * one that failed, and a stopped node never reports a live role or a leader.
 */
class NodeStateTest extends ClusterTestBase {

    @Test
    void aRunningNodeSaysSo() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        NodeStatus status = cluster.node(l).status();
        assertThat(status.state()).isEqualTo(NodeState.RUNNING);
        assertThat(status.role()).isEqualTo(Role.LEADER);
        assertThat(status.leader()).contains(l);
    }

    @Test
    void aClosedLeaderReportsClosedAndNoLiveRole() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        Await.value(leader.write(KvCommand.put("k", "v")));
        long term = leader.status().term();

        leader.close();

        NodeStatus status = leader.status();
        assertThat(status.state()).isEqualTo(NodeState.CLOSED);
        assertThat(status.role()).isEqualTo(Role.FOLLOWER);
        assertThat(status.leader()).isEmpty();
        assertThat(status.term()).as("the other fields keep their last values").isEqualTo(term);
        assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
        assertThat(leader.leader()).isEmpty();
    }

    @Test
    void aClosedFollowerForgetsItsLeader() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        NodeId f = cluster.followersOf(l).get(0);
        Node<KvCommand, String> follower = cluster.node(f);
        Await.until("the follower knows the leader", () -> follower.leader().isPresent());

        follower.close();

        assertThat(follower.status().state()).isEqualTo(NodeState.CLOSED);
        assertThat(follower.status().leader()).isEmpty();
        assertThat(follower.leader()).isEmpty();
    }

    @Test
    void aLeaderWhoseStoreFailsReportsFailedAndNoLiveRoleEvenAfterClose() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        cluster.disk(l).failWritesFrom(new IOException("injected: disk gone"));

        Await.failure(leader.write(KvCommand.put("fails", "v")), FatalException.class);

        NodeStatus status = leader.status();
        assertThat(status.state()).isEqualTo(NodeState.FAILED);
        assertThat(status.role()).isEqualTo(Role.FOLLOWER);
        assertThat(status.leader()).isEmpty();
        assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
        assertThat(leader.leader()).isEmpty();

        leader.close();
        assertThat(leader.status().state()).as("what stopped the node first decides").isEqualTo(NodeState.FAILED);
    }
}
