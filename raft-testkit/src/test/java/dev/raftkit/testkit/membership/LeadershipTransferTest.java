package dev.raftkit.testkit.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.BusyException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.cluster.RaftClusterExtension;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code transferLeadership} (issue 5, RELIABILITY.md C22): to an up-to-date and to a lagging
 * follower, to itself, to a node that is no voter, and a transfer the target cannot take, during
 * which writes are refused until it is abandoned.
 */
class LeadershipTransferTest {

    @RegisterExtension
    final RaftClusterExtension<KvCommand, String, KvStateMachine, NodeEvents> raft =
            RaftClusterExtension.of(() -> LiveCluster.kvBuilder(NodeEvents::new));

    @Test
    void transferToAnUpToDateFollower(
            LiveCluster<KvCommand, String, KvStateMachine, NodeEvents> cluster) {
        List<NodeId> ids = cluster.ids();
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v1"));
        NodeId target = otherThan(ids, leader);
        long leaderLast = cluster.node(leader).status().lastLogIndex();
        cluster.awaitTrue(target + " to be up to date",
                () -> cluster.node(target).status().lastLogIndex() == leaderLast);

        cluster.await(cluster.node(leader).transferLeadership(target));

        assertThat(cluster.awaitLeader()).isEqualTo(target);
        cluster.awaitTrue(leader + " to follow", () -> cluster.node(leader).role() == Role.FOLLOWER);
        cluster.await(cluster.node(target).write(KvCommand.put("k", "v2")));
        assertThat(cluster.await(cluster.readLinearizable(target, (KvStateMachine kv) -> kv.get("k")))).contains("v2");
    }

    @Test
    void transferToALaggingFollowerCatchesItUpFirst(
            LiveCluster<KvCommand, String, KvStateMachine, NodeEvents> cluster) {
        List<NodeId> ids = cluster.ids();
        NodeId leader = cluster.awaitLeader();
        NodeId target = otherThan(ids, leader);
        Node<KvCommand, String> leaderNode = cluster.node(leader);
        cluster.network().isolate(target);
        for (int batch = 0; batch < 5; batch++) {
            int first = batch * 100;
            cluster.await(leaderNode.writeBatch(IntStream.range(first, first + 100)
                    .mapToObj(i -> KvCommand.put("k" + i % 10, "v" + i)).toList()));
        }
        long targetLast = cluster.node(target).status().lastLogIndex();
        long leaderLast = leaderNode.status().lastLogIndex();
        cluster.network().heal();

        cluster.await(leaderNode.transferLeadership(target));

        assertThat(targetLast).as("the target's log when the transfer started").isLessThan(leaderLast - 400);
        assertThat(cluster.awaitLeader()).isEqualTo(target);
        assertThat(cluster.await(cluster.readLinearizable(target, (KvStateMachine kv) -> kv.get("k9"))))
                .contains("v499");
        cluster.await(cluster.node(target).write(KvCommand.put("k9", "after")));
    }

    @Test
    void transferToItselfCompletesAtOnce(
            LiveCluster<KvCommand, String, KvStateMachine, NodeEvents> cluster) {
        NodeId leader = cluster.awaitLeader();

        cluster.await(cluster.node(leader).transferLeadership(leader));

        assertThat(cluster.awaitLeader()).isEqualTo(leader);
        cluster.await(cluster.node(leader).write(KvCommand.put("k", "still leading")));
    }

    @Test
    void transferToANonMemberFailsFast(
            LiveCluster<KvCommand, String, KvStateMachine, NodeEvents> cluster) {
        NodeId leader = cluster.awaitLeader();
        NodeId stranger = cluster.newId();

        CompletableFuture<Void> transfer = cluster.node(leader).transferLeadership(stranger);

        assertThat(transfer).failsWithin(LiveCluster.PATIENCE).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalArgumentException.class)
                .withMessageContaining(stranger.value());
        // No transfer was started: writes are not refused and the leader stays.
        cluster.await(cluster.node(leader).write(KvCommand.put("k", "v1")));
        assertThat(cluster.awaitLeader()).isEqualTo(leader);
    }

    @Test
    void writesAreRefusedDuringATransferUntilItIsAbandoned(
            LiveCluster<KvCommand, String, KvStateMachine, NodeEvents> cluster) {
        List<NodeId> ids = cluster.ids();
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v1"));
        NodeId target = otherThan(ids, leader);
        Node<KvCommand, String> leaderNode = cluster.node(leader);
        cluster.network().isolate(target); // the target never hears TimeoutNow

        long start = System.nanoTime();
        CompletableFuture<Void> transfer = leaderNode.transferLeadership(target);
        CompletableFuture<String> write = leaderNode.write(KvCommand.put("k", "during the transfer"));

        CompletableFuture<Void> another = leaderNode.transferLeadership(otherThan(ids, leader, target));

        assertThat(write).failsWithin(LiveCluster.PATIENCE).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(BusyException.class);
        assertThat(another).as("a transfer to another target meanwhile").failsWithin(LiveCluster.PATIENCE)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(IllegalStateException.class)
                .withMessageContaining("under way");
        assertThat(transfer).failsWithin(LiveCluster.PATIENCE).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TimeoutException.class);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).as("time until the transfer was abandoned")
                .isGreaterThanOrEqualTo(cluster.minElectionTimeout().multipliedBy(8).dividedBy(10));
        assertThat(leaderNode.role()).isEqualTo(Role.LEADER);
        cluster.await(leaderNode.write(KvCommand.put("k", "after the transfer")));
        assertThat(cluster.await(cluster.readLinearizable(leader, (KvStateMachine kv) -> kv.get("k"))))
                .contains("after the transfer");
    }

    private static NodeId otherThan(List<NodeId> ids, NodeId... excluded) {
        List<NodeId> not = List.of(excluded);
        return ids.stream().filter(id -> !not.contains(id)).findFirst().orElseThrow();
    }
}
