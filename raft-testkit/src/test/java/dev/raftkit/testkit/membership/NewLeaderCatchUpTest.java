package dev.raftkit.testkit.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.cluster.RaftClusterExtension;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node whose configuration does not name the current leader still hears it and catches up: a
 * voter that was cut off while a new node was added and then took over, and a node joining with a
 * member list that lacks the leader. Before the fix, the transport refused such a leader as an
 * unknown sender and the node stayed behind for good (simulator seed 2005012).
 */
class NewLeaderCatchUpTest {

    @RegisterExtension
    final RaftClusterExtension<KvCommand, String, KvStateMachine, NodeEvents> raft =
            RaftClusterExtension.of(() -> LiveCluster.kvBuilder(NodeEvents::new));

    @Test
    void voterCutOffWhileANewNodeJoinedAndTookOverCatchesUp(
            LiveCluster<KvCommand, String, KvStateMachine, NodeEvents> cluster) {
        List<NodeId> voters = cluster.ids();
        NodeId oldLeader = cluster.awaitLeader();
        NodeId cutOff = voters.stream().filter(id -> !id.equals(oldLeader)).findFirst().orElseThrow();
        cluster.write(KvCommand.put("k", "v0"));
        cluster.awaitEqual("k on the voter to be cut off",
                () -> cluster.readLocal(cutOff, kv -> kv.get("k")), Optional.of("v0"));

        cluster.network().isolate(cutOff);
        NodeId newcomer = cluster.startJoining(voters);
        cluster.changeMembership(n -> n.addVoter(newcomer, cluster.address(newcomer)));
        cluster.await(cluster.node(cluster.awaitLeader()).transferLeadership(newcomer));
        assertThat(cluster.awaitLeader()).as("the leader after the transfer").isEqualTo(newcomer);
        for (int i = 1; i <= 10; i++) {
            cluster.write(KvCommand.put("k", "v" + i));
        }
        assertThat(cluster.node(cutOff).status().voters()).as("the cut-off voter's stale view")
                .doesNotContain(newcomer);

        cluster.network().heal();

        long leaderCommit = cluster.node(newcomer).status().commitIndex();
        // Applied, not only committed: the local read below must see every write.
        cluster.awaitTrue("the cut-off voter to apply through the leader's commit index " + leaderCommit,
                () -> cluster.node(cutOff).status().appliedIndex() >= leaderCommit);
        NodeStatus caughtUp = cluster.node(cutOff).status();
        assertThat(caughtUp.voters()).as("voters seen by the cut-off voter").contains(newcomer, cutOff);
        assertThat(caughtUp.leader()).as("the leader the cut-off voter follows").contains(newcomer);
        assertThat(cluster.readLocal(cutOff, (KvStateMachine kv) -> kv.get("k"))).contains("v10");
    }

    @Test
    void nodeJoiningWithAMemberListThatLacksTheLeaderStillJoinsAndCatchesUp(
            LiveCluster<KvCommand, String, KvStateMachine, NodeEvents> cluster) {
        List<NodeId> voters = cluster.ids();
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v0"));
        List<NodeId> withoutLeader = new ArrayList<>(voters);
        withoutLeader.remove(leader);
        NodeId joiner = cluster.startJoining(withoutLeader);

        Membership added = cluster.changeMembership(n -> n.addVoter(joiner, cluster.address(joiner)));

        assertThat(added.isVoter(joiner)).isTrue();
        cluster.write(KvCommand.put("k", "v1"));
        cluster.awaitEqual("k on the joiner", () -> cluster.readLocal(joiner, kv -> kv.get("k")), Optional.of("v1"));
        NodeStatus joined = cluster.node(joiner).status();
        assertThat(joined.voters()).as("voters seen by the joiner").containsAll(voters).contains(joiner);
        assertThat(joined.leader()).as("the leader the joiner follows").contains(cluster.awaitLeader());
        assertThat(cluster.listener(joiner).everCampaigned()).as("the joiner campaigned").isFalse();
    }
}
