package dev.raftkit.testkit.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Membership;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Role;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Learners (they receive the log, never vote and never count towards commit, and can be
 * promoted) and nodes joining a running cluster with {@code joinExisting(true)}, which stay
 * passive until a configuration includes them (issue 5, RELIABILITY.md C20).
 */
class LearnerAndJoinTest {

    private LiveCluster<KvCommand, String, KvStateMachine, NodeEvents> cluster =
            LiveCluster.kvBuilder(NodeEvents::new).build();

    @AfterEach
    void closeCluster() {
        cluster.close();
    }

    @Test
    void learnerReceivesTheLogButCommitsDoNotWaitForIt() {
        NodeId voter = cluster.bootstrap(1).get(0);
        cluster.awaitLeader();
        NodeId learner = addLearner(List.of(voter));

        cluster.awaitEqual("k on the learner", () -> cluster.readLocal(learner, kv -> kv.get("k")), Optional.of("v0"));
        for (NodeId id : List.of(voter, learner)) {
            NodeStatus status = cluster.node(id).status();
            assertThat(status.voters()).as("voters seen by %s", id).containsExactly(voter);
            assertThat(status.learners()).as("learners seen by %s", id).containsExactly(learner);
        }
        assertThat(cluster.node(learner).role()).isEqualTo(Role.LEARNER);

        cluster.network().isolate(learner);
        Node<KvCommand, String> voterNode = cluster.node(voter);
        for (int i = 1; i <= 20; i++) {
            cluster.await(voterNode.write(KvCommand.put("k", "v" + i))); // commits with the voter alone
        }
        assertThat(cluster.readLocal(learner, (KvStateMachine kv) -> kv.get("k")))
                .as("the isolated learner's copy").contains("v0");
        cluster.network().heal();

        cluster.awaitEqual("k on the learner", () -> cluster.readLocal(learner, kv -> kv.get("k")), Optional.of("v20"));
        assertThat(cluster.listener(learner).everCampaigned()).as("the learner campaigned").isFalse();
    }

    @Test
    void learnerVoteDoesNotMakeAMajority() {
        List<NodeId> voters = cluster.bootstrap(2);
        NodeId leader = cluster.awaitLeader();
        NodeId learner = addLearner(voters);
        cluster.awaitEqual("k on the learner", () -> cluster.readLocal(learner, kv -> kv.get("k")), Optional.of("v0"));
        NodeId survivor = voters.get(0).equals(leader) ? voters.get(1) : voters.get(0);
        int survivorRoles = cluster.listener(survivor).roles().size();

        cluster.stop(leader);
        LiveCluster.pause(cluster.electionTimeout().multipliedBy(3));

        // The survivor campaigns, but one voter of two is no majority, whatever the learner thinks.
        assertThat(cluster.listener(survivor).rolesAfter(survivorRoles)).as("roles of the remaining voter")
                .noneMatch(r -> r.role() == Role.LEADER);
        assertThat(cluster.node(survivor).role()).isNotEqualTo(Role.LEADER);
        assertThat(cluster.node(learner).role()).isEqualTo(Role.LEARNER);
        assertThat(cluster.listener(learner).everCampaigned()).as("the learner campaigned").isFalse();
    }

    @Test
    void learnerIsPromotedWithAddVoterAndThenCountsForCommit() {
        NodeId voter = cluster.bootstrap(1).get(0);
        cluster.awaitLeader();
        NodeId learner = addLearner(List.of(voter));

        Membership promoted = cluster.changeMembership(n -> n.addVoter(learner, cluster.address(learner)));

        assertThat(promoted.voters().keySet()).containsExactlyInAnyOrder(voter, learner);
        assertThat(promoted.learners()).isEmpty();
        cluster.awaitEqual("the promoted node's role", () -> cluster.node(learner).role(), Role.FOLLOWER);
        assertThat(cluster.node(learner).status().voters()).containsExactlyInAnyOrder(voter, learner);

        // Now one of two voters: without it nothing commits.
        cluster.network().isolate(learner);
        CompletableFuture<String> write = cluster.node(voter).write(KvCommand.put("k", "without the new voter"));
        LiveCluster.pause(cluster.electionTimeout().multipliedBy(2));
        if (write.isDone()) { // the voter stepped down (check-quorum); the write may still commit
            assertThat(write).as("a write without a majority").failsWithin(Duration.ZERO)
                    .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(NotLeaderException.class);
        }
        cluster.network().heal();
        cluster.write(KvCommand.put("k", "with both"));
        NodeId leader = cluster.awaitLeader();
        assertThat(cluster.await(cluster.readLinearizable(leader, (KvStateMachine kv) -> kv.get("k"))))
                .contains("with both");
    }

    @Test
    void joiningNodeStaysPassiveUntilALeaderAddsIt() {
        List<NodeId> voters = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v0"));
        NodeId joiner = cluster.startJoining(voters);

        LiveCluster.pause(cluster.electionTimeout().multipliedBy(3));

        NodeStatus waiting = cluster.node(joiner).status();
        assertThat(waiting.term()).as("term of the waiting joiner").isZero();
        assertThat(waiting.role()).isEqualTo(Role.FOLLOWER);
        assertThat(waiting.leader()).isEmpty();
        assertThat(waiting.voters()).as("the joiner's view leaves itself out").isEqualTo(Set.copyOf(voters));
        assertThat(waiting.lastLogIndex()).isZero();
        assertThat(cluster.listener(joiner).everCampaigned()).as("the waiting joiner campaigned").isFalse();
        assertThat(cluster.awaitLeader()).as("the joiner disturbed the leader").isEqualTo(leader);

        Membership added = cluster.changeMembership(n -> n.addLearner(joiner, cluster.address(joiner)));

        assertThat(added.learners().keySet()).containsExactly(joiner);
        cluster.awaitEqual("the joiner's role", () -> cluster.node(joiner).role(), Role.LEARNER);
        cluster.awaitEqual("k on the joiner", () -> cluster.readLocal(joiner, kv -> kv.get("k")), Optional.of("v0"));
        assertThat(cluster.node(joiner).status().term()).isEqualTo(cluster.node(leader).status().term());
        assertThat(cluster.listener(joiner).everCampaigned()).as("the joiner campaigned").isFalse();
    }

    @Test
    void joiningNodeGrantsNoVotesBeforeAConfigurationIncludesIt() {
        NodeId founder = cluster.newId();
        NodeId joiner = cluster.newId();
        // The founder bootstraps a two-voter cluster; it can lead only with the joiner's vote.
        cluster.start(founder, List.of(founder, joiner), false);
        cluster.start(joiner, List.of(founder, joiner), true);

        LiveCluster.pause(cluster.electionTimeout().multipliedBy(3));

        assertThat(cluster.listener(founder).roles()).as("roles of the founder")
                .noneMatch(r -> r.role() == Role.LEADER);
        assertThat(cluster.node(founder).role()).isNotEqualTo(Role.LEADER);
        assertThat(cluster.node(joiner).status().term()).as("term of the joiner").isZero();
        assertThat(cluster.listener(joiner).everCampaigned()).as("the joiner campaigned").isFalse();
    }

    @Test
    void nodeJoiningAfterCompactionCatchesUpFromASnapshot() {
        cluster.close();
        cluster = LiveCluster.kvBuilder(NodeEvents::new)
                .tuning(builder -> builder.snapshotThreshold(100)
                        .option("raftkit.snapshot.trailingEntries", "0")).build(); // compact the whole snapshotted log
        List<NodeId> voters = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        Node<KvCommand, String> leaderNode = cluster.node(leader);
        for (int batch = 0; batch < 5; batch++) {
            int first = batch * 100;
            cluster.await(leaderNode.writeBatch(IntStream.range(first, first + 100)
                    .mapToObj(i -> KvCommand.put("k" + i % 20, "v" + i)).toList()));
        }
        cluster.awaitTrue("the leader to compact its log", () -> leaderNode.status().snapshotIndex() > 0);
        NodeId joiner = cluster.startJoining(voters);

        Membership added = cluster.changeMembership(n -> n.addVoter(joiner, cluster.address(joiner)));

        assertThat(added.isVoter(joiner)).isTrue();
        cluster.write(KvCommand.put("last", "x"));
        Map<String, String> data = cluster.readLocal(cluster.awaitLeader(), KvStateMachine::snapshotOfData);
        cluster.awaitEqual("the joiner's data", () -> cluster.readLocal(joiner, KvStateMachine::snapshotOfData), data);
        NodeStatus status = cluster.node(joiner).status();
        assertThat(status.snapshotIndex()).as("the joiner's snapshot index").isPositive();
        assertThat(status.voters()).contains(joiner);
        assertThat(cluster.listener(joiner).everCampaigned()).as("the joiner campaigned").isFalse();
    }

    /** Starts a node joining the cluster of {@code voters}, adds it as a learner and writes {@code k = v0}. */
    private NodeId addLearner(List<NodeId> voters) {
        NodeId learner = cluster.startJoining(voters);
        Membership added = cluster.changeMembership(n -> n.addLearner(learner, cluster.address(learner)));
        assertThat(added.learners().keySet()).containsExactly(learner);
        assertThat(added.voters().keySet()).containsExactlyInAnyOrderElementsOf(voters);
        cluster.write(KvCommand.put("k", "v0"));
        return learner;
    }
}
