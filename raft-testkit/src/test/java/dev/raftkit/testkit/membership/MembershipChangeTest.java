package dev.raftkit.testkit.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Role;
import dev.raftkit.ShutdownException;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Scenario tests of {@code addVoter} and {@code removeMember} on real-time in-memory clusters
 * (issue 5, RELIABILITY.md C18–C21): adding under load, replacing every member, queued, redundant
 * and invalid requests, removing the leader (also: no stale reads meanwhile) or a partitioned node,
 * adding a removed node back, restarts, changes without quorum and a leader crash in the middle of
 * a change.
 */
class MembershipChangeTest {

    private LiveCluster<KvCommand, String, KvStateMachine, NodeEvents> cluster =
            LiveCluster.kvBuilder(NodeEvents::new).build();

    @AfterEach
    void closeCluster() {
        cluster.close();
    }

    @Test
    void addedVoterCatchesUpAsLearnerWhileWritesKeepSucceeding() throws Exception {
        List<NodeId> initial = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        Node<KvCommand, String> leaderNode = cluster.node(leader);
        for (int batch = 0; batch < 20; batch++) {
            int first = batch * 100;
            cluster.await(leaderNode.writeBatch(IntStream.range(first, first + 100)
                    .mapToObj(i -> KvCommand.put("pre" + i % 50, "v" + i)).toList()));
        }
        NodeId joiner = cluster.startJoining(initial);
        cluster.network().block(leader, joiner); // hold the joiner back, so its catch-up can be watched

        try (BackgroundWriter writer = new BackgroundWriter(leaderNode, "load")) {
            CompletableFuture<Membership> change = leaderNode.addVoter(joiner, cluster.address(joiner));
            cluster.awaitTrue(joiner + " to be a learner", () -> leaderNode.status().learners().contains(joiner));
            int writesBeforeWaiting = writer.successes();
            LiveCluster.pause(cluster.electionTimeout().multipliedBy(2));
            assertThat(change).as("promotion of a learner that has not caught up").isNotDone();
            assertThat(leaderNode.status().learners()).contains(joiner);
            assertThat(leaderNode.status().voters()).doesNotContain(joiner);
            assertThat(writer.successes()).as("writes while the learner lags").isGreaterThan(writesBeforeWaiting);

            cluster.network().heal();
            Membership added = cluster.await(change);
            int writesDuringChange = writer.successes();
            writer.stop();

            assertThat(added.voters().keySet()).containsExactlyInAnyOrderElementsOf(with(initial, joiner));
            assertThat(added.learners()).isEmpty();
            assertThat(writer.failures()).as("writes that failed while the voter was added").isEmpty();
            assertThat(writesDuringChange).as("writes that succeeded while the voter was added")
                    .isGreaterThan(writesBeforeWaiting);
        }
        // Listeners hear changes on their own thread, a little after the change completes.
        cluster.awaitTrue("the leader's listener to hear the promotion",
                () -> cluster.listener(leader).memberships().stream().anyMatch(m -> m.isVoter(joiner)));
        List<Membership> seen = cluster.listener(leader).memberships();
        int firstAsLearner = indexOf(seen, m -> m.learners().containsKey(joiner));
        int firstAsVoter = indexOf(seen, m -> m.isVoter(joiner));
        assertThat(firstAsLearner).as("the leader's configurations %s show %s as learner", seen, joiner)
                .isNotNegative();
        assertThat(firstAsVoter).as("the joiner is a voter only after it was a learner: %s", seen)
                .isGreaterThan(firstAsLearner);
        assertThat(cluster.listener(joiner).everCampaigned()).as("the joiner campaigned").isFalse();

        cluster.write(KvCommand.put("last", "done"));
        Map<String, String> expected = cluster.readLocal(leader, KvStateMachine::snapshotOfData);
        for (NodeId id : with(initial, joiner)) {
            cluster.awaitEqual("the data of " + id,
                    () -> cluster.readLocal(id, KvStateMachine::snapshotOfData), expected);
            assertThat(cluster.node(id).status().voters()).containsExactlyInAnyOrderElementsOf(with(initial, joiner));
        }
    }

    @Test
    void replacingEveryMemberOneByOneKeepsTheData() {
        List<NodeId> voters = new ArrayList<>(cluster.bootstrap(3));
        List<NodeId> originals = List.copyOf(voters);
        Map<String, String> expected = new TreeMap<>();
        cluster.awaitLeader();
        cluster.write(KvCommand.put("round0", "original"));
        expected.put("round0", "original");
        for (int round = 1; round <= originals.size(); round++) {
            NodeId old = originals.get(round - 1);
            NodeId fresh = cluster.startJoining(voters);
            Membership grown = cluster.changeMembership(n -> n.addVoter(fresh, cluster.address(fresh)));
            assertThat(grown.voters().keySet()).containsExactlyInAnyOrderElementsOf(with(voters, fresh));

            Membership shrunk = cluster.changeMembership(n -> n.removeMember(old));
            voters.remove(old);
            voters.add(fresh);
            assertThat(shrunk.voters().keySet()).containsExactlyInAnyOrderElementsOf(voters);
            assertThat(shrunk.isMember(old)).isFalse();
            cluster.stop(old);

            cluster.write(KvCommand.put("round" + round, "after replacing " + old));
            expected.put("round" + round, "after replacing " + old);
        }

        NodeId leader = cluster.awaitLeader();
        assertThat(voters).doesNotContainAnyElementsOf(originals);
        assertThat(leader).isIn(voters);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(cluster.await(cluster.readLinearizable(leader,
                    (KvStateMachine kv) -> kv.get(e.getKey())))).contains(e.getValue());
        }
        for (NodeId id : voters) {
            cluster.awaitEqual("the data of " + id,
                    () -> cluster.readLocal(id, KvStateMachine::snapshotOfData), expected);
            assertThat(cluster.node(id).status().voters()).containsExactlyInAnyOrderElementsOf(voters);
        }
    }

    @Test
    void changesSubmittedTogetherAreCarriedOutOneAtATime() {
        List<NodeId> ids = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v1"));
        NodeId first = cluster.startJoining(ids);
        NodeId second = cluster.startJoining(ids);
        Node<KvCommand, String> leaderNode = cluster.node(leader);

        CompletableFuture<Membership> addFirst = leaderNode.addVoter(first, cluster.address(first));
        CompletableFuture<Membership> addSecond = leaderNode.addVoter(second, cluster.address(second));
        CompletableFuture<Membership> removeFirst = leaderNode.removeMember(first);

        assertThat(cluster.await(addFirst).voters().keySet()).containsExactlyInAnyOrderElementsOf(with(ids, first));
        assertThat(cluster.await(addSecond).voters().keySet())
                .containsExactlyInAnyOrderElementsOf(with(with(ids, first), second));
        assertThat(cluster.await(removeFirst).voters().keySet()).containsExactlyInAnyOrderElementsOf(with(ids, second));
        cluster.awaitTrue("the leader's listener to hear the last change",
                () -> cluster.listener(leader).voterSets().contains(Set.copyOf(with(ids, second))));
        assertThat(cluster.listener(leader).voterSets()).as("configurations of the leader: one change each")
                .containsSubsequence(Set.copyOf(ids), Set.copyOf(with(ids, first)),
                        Set.copyOf(with(with(ids, first), second)), Set.copyOf(with(ids, second)));
    }

    @Test
    void redundantChangesCompleteAndInvalidOnesFailWithAReason() {
        NodeId only = cluster.bootstrap(1).get(0);
        cluster.awaitLeader();
        Node<KvCommand, String> node = cluster.node(only);
        NodeId learner = cluster.startJoining(List.of(only));
        cluster.changeMembership(n -> n.addLearner(learner, cluster.address(learner)));
        cluster.awaitEqual("the learner's leader", () -> cluster.node(learner).leader(), Optional.of(only));

        Membership again = cluster.await(node.addLearner(learner, cluster.address(learner)));
        assertThat(again.learners().keySet()).containsExactly(learner);
        Membership noStranger = cluster.await(node.removeMember(cluster.newId()));
        assertThat(noStranger.members()).containsExactlyInAnyOrder(only, learner);
        assertThat(cluster.await(node.addVoter(only, cluster.address(only))).voters().keySet()).containsExactly(only);

        assertThat(node.removeMember(only)).as("removing the last voter")
                .failsWithin(LiveCluster.PATIENCE).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalArgumentException.class).withMessageContaining("last voter");
        assertThat(node.addLearner(only, cluster.address(only))).as("demoting a voter with addLearner")
                .failsWithin(LiveCluster.PATIENCE).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalArgumentException.class).withMessageContaining("already a voter");
        Address elsewhere = cluster.address(cluster.newId());
        assertThat(node.addLearner(learner, elsewhere)).as("a learner at another address")
                .failsWithin(LiveCluster.PATIENCE).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalArgumentException.class).withMessageContaining("already a member at");
        assertThat(node.addVoter(only, elsewhere)).as("a voter at another address")
                .failsWithin(LiveCluster.PATIENCE).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalArgumentException.class).withMessageContaining("already a member at");
        assertThat(cluster.node(learner).addVoter(learner, cluster.address(learner))).as("a change on a learner")
                .failsWithin(LiveCluster.PATIENCE).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(NotLeaderException.class).withMessageContaining(only.value());
        assertThat(node.status().voters()).containsExactly(only);
        assertThat(node.status().learners()).containsExactly(learner);
        assertThat(cluster.await(node.removeMember(cluster.newId())).index()).as("nothing changed")
                .isEqualTo(again.index());

        Membership promoted = cluster.await(node.addVoter(learner, cluster.address(learner)));
        assertThat(promoted.voters().keySet()).as("addVoter of a learner promotes it")
                .containsExactlyInAnyOrder(only, learner);
        assertThat(promoted.learners()).isEmpty();
    }

    @Test
    void anAddVoterWhoseOutcomeIsUnknownIsSimplyRetried() {
        List<NodeId> ids = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("before", "x")); // this term's first entry committed: changes may start
        NodeId joiner = cluster.startJoining(ids);
        Address address = cluster.address(joiner);

        // Cut off, the leader appends the change but cannot commit it; check-quorum makes it step down.
        cluster.network().isolate(leader);
        CompletableFuture<Membership> uncertain = cluster.node(leader).addVoter(joiner, address);
        Throwable failure = cluster.await(uncertain.handle((membership, error) -> error));
        assertThat(failure).isInstanceOf(NotLeaderException.class);
        assertThat(((NotLeaderException) failure).mayHaveCommitted()).as("the change was appended: its outcome "
                + "is unknown").isTrue();

        cluster.network().heal();
        Membership retried = cluster.changeMembership(n -> n.addVoter(joiner, address));
        assertThat(retried.voters().keySet()).containsExactlyInAnyOrder(with(ids, joiner).toArray(NodeId[]::new));
        Membership again = cluster.changeMembership(n -> n.addVoter(joiner, address));
        assertThat(again).as("a retry of a change that took effect changes nothing").isEqualTo(retried);
        cluster.write(KvCommand.put("after", "x"));
    }

    @Test
    void removedLeaderStepsDownAndStaysInert() {
        List<NodeId> ids = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("before", "x"));
        List<NodeId> rest = without(ids, leader);
        cluster.awaitEqual("the role " + leader + "'s listener heard last", () -> cluster.listener(leader).lastRole(),
                Optional.of(Role.LEADER));
        int rolesBefore = cluster.listener(leader).roles().size();

        Membership after = cluster.await(cluster.node(leader).removeMember(leader));

        assertThat(after.isMember(leader)).isFalse();
        assertThat(after.voters().keySet()).containsExactlyInAnyOrderElementsOf(rest);
        cluster.awaitTrue(leader + " to step down", () -> cluster.node(leader).role() != Role.LEADER);
        NodeId next = cluster.awaitLeader(rest);
        Map<NodeId, Long> terms = terms(rest);
        long removedTerm = cluster.node(leader).status().term();

        LiveCluster.pause(cluster.electionTimeout().multipliedBy(3));

        assertThat(terms(rest)).as("terms of the remaining voters").isEqualTo(terms);
        assertThat(cluster.awaitLeader(rest)).isEqualTo(next);
        assertThat(cluster.node(leader).status().term()).as("term of the removed leader").isEqualTo(removedTerm);
        assertThat(cluster.listener(leader).rolesAfter(rolesBefore)).as("roles of the removed leader after removal")
                .noneMatch(r -> NodeEvents.CAMPAIGNING.contains(r.role()));
        cluster.write(KvCommand.put("after", "y"));
        assertThat(cluster.await(cluster.readLinearizable(next, (KvStateMachine kv) -> kv.get("before"))))
                .contains("x");
    }

    @Test
    void leaderRemovingItselfServesNoStaleReads() throws Exception {
        cluster.close();
        cluster = LiveCluster.kvBuilder(NodeEvents::new)
                .tuning(builder -> builder.checkQuorum(false)).build(); // ReadIndex alone must keep reads safe
        List<NodeId> ids = cluster.bootstrap(2);
        NodeId leader = cluster.awaitLeader();
        NodeId other = without(ids, leader).get(0);
        cluster.write(KvCommand.put("k", "v1"));
        cluster.awaitEqual("k on " + other, () -> cluster.readLocal(other, kv -> kv.get("k")), Optional.of("v1"));

        // The other node gets the configuration that leaves it the only voter, but the leader hears no ack.
        cluster.network().block(other, leader);
        CompletableFuture<Membership> removal = cluster.node(leader).removeMember(leader);
        cluster.awaitEqual("the voters of " + other, () -> cluster.node(other).status().voters(), Set.of(other));
        cluster.network().block(leader, other);
        cluster.awaitEqual("the role of " + other, () -> cluster.node(other).role(), Role.LEADER);
        cluster.await(cluster.node(other).write(KvCommand.put("k", "v2")));

        CompletableFuture<Optional<String>> read = cluster.readLinearizable(leader, kv -> kv.get("k"));
        LiveCluster.pause(cluster.electionTimeout());

        // Pending or failed are both fine (the removed leader cannot confirm it still leads); stale is not.
        if (read.isDone() && !read.isCompletedExceptionally()) {
            assertThat(read.get()).as("a linearizable read on the cut-off, removed leader").contains("v2");
        }
        assertThat(removal).as("the removal, unconfirmed on the cut-off leader").isNotDone();
        assertThat(cluster.await(cluster.readLinearizable(other, (KvStateMachine kv) -> kv.get("k")))).contains("v2");
    }

    @Test
    void partitionedNodeIsRemovedAndCannotDisruptAfterHealing() {
        List<NodeId> ids = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v1"));
        NodeId victim = without(ids, leader).get(0);
        List<NodeId> rest = without(ids, victim);
        cluster.network().isolate(victim);
        int victimRoles = cluster.listener(victim).roles().size();
        long victimTerm = cluster.node(victim).status().term();

        Membership after = cluster.changeMembership(n -> n.removeMember(victim));
        assertThat(after.voters().keySet()).containsExactlyInAnyOrderElementsOf(rest);
        cluster.write(KvCommand.put("k", "v2"));
        NodeId stableLeader = cluster.awaitLeader(rest);
        Map<NodeId, Long> terms = terms(rest);
        cluster.network().heal();

        LiveCluster.pause(cluster.electionTimeout().multipliedBy(3));

        assertThat(terms(rest)).as("terms of the remaining voters after healing").isEqualTo(terms);
        assertThat(cluster.awaitLeader(rest)).isEqualTo(stableLeader);
        assertThat(cluster.node(victim).status().term()).as("the removed node's term").isEqualTo(victimTerm);
        assertThat(cluster.listener(victim).rolesAfter(victimRoles)).as("roles of the removed node")
                .noneMatch(r -> r.role() == Role.CANDIDATE || r.role() == Role.LEADER);
        cluster.write(KvCommand.put("k", "v3"));
        assertThat(cluster.await(cluster.readLinearizable(stableLeader, (KvStateMachine kv) -> kv.get("k"))))
                .contains("v3");
    }

    @Test
    void restartedMembersRecoverTheirConfigurationFromTheLog() {
        List<NodeId> ids = cluster.bootstrap(3);
        cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v1"));
        NodeId joiner = cluster.startJoining(ids);
        cluster.changeMembership(n -> n.addVoter(joiner, cluster.address(joiner)));
        NodeId removed = ids.get(0);
        cluster.changeMembership(n -> n.removeMember(removed));
        cluster.stop(removed);
        List<NodeId> voters = with(without(ids, removed), joiner);

        // Started again with joinExisting(true), the joiner must not go back to waiting: its log includes it.
        cluster.restart(joiner);
        cluster.awaitEqual("the restarted joiner's voters", () -> cluster.node(joiner).status().voters(),
                Set.copyOf(voters));
        cluster.awaitEqual("k on the restarted joiner",
                () -> cluster.readLocal(joiner, kv -> kv.get("k")), Optional.of("v1"));

        // With one of the other two voters down, nothing commits unless the joiner votes and acknowledges.
        NodeId leader = cluster.awaitLeader();
        NodeId down = leader.equals(joiner) ? without(voters, joiner).get(0) : leader;
        cluster.stop(down);
        cluster.write(KvCommand.put("k", "v2"));
        assertThat(cluster.await(cluster.readLinearizable(cluster.awaitLeader(), (KvStateMachine kv) -> kv.get("k"))))
                .contains("v2");
        cluster.restart(without(voters, down).stream().filter(id -> !id.equals(joiner)).findFirst().orElseThrow());
        cluster.write(KvCommand.put("k", "v3"));
    }

    @Test
    void removedNodeCanBeAddedBackWithItsData() {
        List<NodeId> ids = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v1"));
        NodeId node = without(ids, leader).get(0);
        cluster.awaitEqual("k on " + node, () -> cluster.readLocal(node, kv -> kv.get("k")), Optional.of("v1"));

        cluster.changeMembership(n -> n.removeMember(node));
        cluster.write(KvCommand.put("k", "v2")); // the removed node, still running, does not get this
        LiveCluster.pause(cluster.electionTimeout().multipliedBy(2));
        assertThat(cluster.readLocal(node, (KvStateMachine kv) -> kv.get("k"))).contains("v1");

        Membership back = cluster.changeMembership(n -> n.addVoter(node, cluster.address(node)));

        assertThat(back.voters().keySet()).containsExactlyInAnyOrderElementsOf(ids);
        cluster.awaitEqual("k on " + node, () -> cluster.readLocal(node, kv -> kv.get("k")), Optional.of("v2"));
        cluster.awaitEqual("the voters of " + node, () -> cluster.node(node).status().voters(), Set.copyOf(ids));
        cluster.write(KvCommand.put("k", "v3"));
        cluster.awaitEqual("k on " + node, () -> cluster.readLocal(node, kv -> kv.get("k")), Optional.of("v3"));
    }

    @Test
    void changeWithoutQuorumStaysPendingUntilTheNetworkHeals() throws Exception {
        cluster.close();
        cluster = LiveCluster.kvBuilder(NodeEvents::new)
                .tuning(builder -> builder.checkQuorum(false)).build(); // the cut-off leader keeps leading
        List<NodeId> ids = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v1")); // an entry of the leader's term commits, so it may change membership
        List<NodeId> followers = without(ids, leader);
        followers.forEach(cluster.network()::isolate);
        NodeId victim = followers.get(1);

        CompletableFuture<Membership> change = cluster.node(leader).removeMember(victim);
        LiveCluster.pause(cluster.electionTimeout().multipliedBy(3));

        assertThat(change).as("a change without quorum").isNotDone();
        assertThat(cluster.node(leader).role()).isEqualTo(Role.LEADER);
        cluster.network().heal();
        Optional<Membership> outcome = outcome(change);
        outcome.ifPresent(m -> assertThat(m.voters().keySet()).containsExactlyInAnyOrderElementsOf(
                without(ids, victim)));
        awaitConsistentConfiguration(ids);
        cluster.write(KvCommand.put("k", "v2"));
    }

    @Test
    void changeWithoutQuorumFailsWithNotLeaderOnceLeadershipIsLost() throws Exception {
        List<NodeId> ids = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v1"));
        List<NodeId> followers = without(ids, leader);
        followers.forEach(cluster.network()::isolate);

        CompletableFuture<Membership> change = cluster.node(leader).removeMember(followers.get(1));

        // Check-quorum makes the leader step down; the proposed change may still commit later.
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> change.get(LiveCluster.PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertThat(failure.getCause()).isInstanceOf(NotLeaderException.class);
        cluster.awaitTrue(leader + " to step down", () -> cluster.node(leader).role() != Role.LEADER);
        cluster.network().heal();
        awaitConsistentConfiguration(ids);
        cluster.write(KvCommand.put("k", "v2"));
    }

    @Test
    void leaderCrashBeforeTheChangeLeavesItLosesTheChange() {
        List<NodeId> ids = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        NodeId learner = addCaughtUpLearner(ids);
        for (NodeId other : with(without(ids, leader), learner)) {
            cluster.network().block(leader, other);
        }

        CompletableFuture<Membership> change = cluster.node(leader).addVoter(learner, cluster.address(learner));
        cluster.awaitTrue("the promotion appended on " + leader,
                () -> cluster.node(leader).status().voters().contains(learner));
        cluster.stop(leader);
        cluster.network().heal();

        assertThat(change).failsWithin(LiveCluster.PATIENCE).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(ShutdownException.class);
        List<NodeId> survivors = with(without(ids, leader), learner);
        cluster.awaitLeader(survivors);
        for (NodeId id : survivors) {
            cluster.awaitEqual("voters of " + id, () -> cluster.node(id).status().voters(), Set.copyOf(ids));
            assertThat(cluster.node(id).status().learners()).containsExactly(learner);
        }
        finishAfterCrash(ids, leader, learner);
    }

    @Test
    void leaderCrashRightAfterProposingLeavesOneConsistentConfiguration() {
        List<NodeId> ids = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        NodeId learner = addCaughtUpLearner(ids);

        CompletableFuture<Membership> change = cluster.node(leader).addVoter(learner, cluster.address(learner));
        cluster.awaitTrue("the promotion appended on " + leader,
                () -> cluster.node(leader).status().voters().contains(learner));
        cluster.stop(leader);

        // The change committed before the crash, or it fails with the shutdown; both are fine.
        assertThat(change).as("the change after the crash").isDone();
        if (!change.isCompletedExceptionally()) {
            assertThat(change.join().isVoter(learner)).isTrue();
        } else {
            assertThat(change).failsWithin(LiveCluster.PATIENCE).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(ShutdownException.class);
        }
        List<NodeId> survivors = with(without(ids, leader), learner);
        cluster.awaitLeader(survivors);
        Set<Set<NodeId>> possible = Set.of(Set.copyOf(ids), Set.copyOf(with(ids, learner)));
        cluster.awaitTrue("the survivors to agree on the voters", () -> {
            Set<Set<NodeId>> seen = new HashSet<>();
            survivors.forEach(id -> seen.add(cluster.node(id).status().voters()));
            return seen.size() == 1 && possible.containsAll(seen);
        });
        finishAfterCrash(ids, leader, learner);
    }

    @Test
    void leaderCrashDuringARemovalThenRestartLeavesOneConfiguration() {
        List<NodeId> ids = cluster.bootstrap(3);
        NodeId leader = cluster.awaitLeader();
        cluster.write(KvCommand.put("k", "v1"));
        NodeId victim = without(ids, leader).get(0);

        CompletableFuture<Membership> change = cluster.node(leader).removeMember(victim);
        cluster.awaitTrue("the removal appended on " + leader,
                () -> !cluster.node(leader).status().voters().contains(victim));
        cluster.stop(leader);
        assertThat(change).as("the removal after the crash").isDone();
        // If the remaining follower has the entry, it needs the crashed leader's vote: bring it back.
        cluster.restart(leader);

        NodeId next = cluster.awaitLeader();
        Set<NodeId> voters = cluster.node(next).status().voters();
        assertThat(voters).as("voters after the crash").isIn(Set.copyOf(ids), Set.copyOf(without(ids, victim)));
        cluster.changeMembership(n -> n.removeMember(victim));
        List<NodeId> rest = without(ids, victim);
        cluster.write(KvCommand.put("k", "v2"));
        for (NodeId id : rest) {
            cluster.awaitEqual("voters of " + id, () -> cluster.node(id).status().voters(), Set.copyOf(rest));
            cluster.awaitEqual("k on " + id, () -> cluster.readLocal(id, kv -> kv.get("k")), Optional.of("v2"));
        }
    }

    /** Starts a node, adds it as a learner and waits until it has applied everything committed. */
    private NodeId addCaughtUpLearner(List<NodeId> voters) {
        cluster.write(KvCommand.put("k", "v1"));
        NodeId learner = cluster.startJoining(voters);
        cluster.changeMembership(n -> n.addLearner(learner, cluster.address(learner)));
        cluster.awaitEqual("the learner's role", () -> cluster.node(learner).role(), Role.LEARNER);
        cluster.awaitEqual("the learner's copy of k",
                () -> cluster.readLocal(learner, kv -> kv.get("k")), Optional.of("v1"));
        return learner;
    }

    /** After the crash of {@code crashed}: promotes the learner, removes the crashed node and checks the data. */
    private void finishAfterCrash(List<NodeId> ids, NodeId crashed, NodeId learner) {
        cluster.changeMembership(n -> n.addVoter(learner, cluster.address(learner)));
        Membership last = cluster.changeMembership(n -> n.removeMember(crashed));
        List<NodeId> survivors = with(without(ids, crashed), learner);
        assertThat(last.voters().keySet()).containsExactlyInAnyOrderElementsOf(survivors);
        cluster.write(KvCommand.put("k", "v2"));
        for (NodeId id : survivors) {
            cluster.awaitEqual("k on " + id, () -> cluster.readLocal(id, kv -> kv.get("k")), Optional.of("v2"));
            cluster.awaitEqual("voters of " + id, () -> cluster.node(id).status().voters(), Set.copyOf(survivors));
        }
    }

    /** Waits until every running member of the leader's configuration reports the same voters. */
    private void awaitConsistentConfiguration(List<NodeId> ids) {
        cluster.awaitTrue("one configuration on every voter", () -> {
            NodeId leader = cluster.awaitLeader();
            Set<NodeId> voters = cluster.node(leader).status().voters();
            return voters.stream().filter(ids::contains)
                    .allMatch(id -> cluster.node(id).status().voters().equals(voters));
        });
    }

    /** Waits for a change that may fail: its membership, or empty if it failed with NotLeaderException. */
    private static Optional<Membership> outcome(CompletableFuture<Membership> change) throws Exception {
        try {
            return Optional.of(change.get(LiveCluster.PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
            assertThat(e.getCause()).as("how the change failed").isInstanceOf(NotLeaderException.class);
            return Optional.empty();
        }
    }

    private Map<NodeId, Long> terms(List<NodeId> ids) {
        Map<NodeId, Long> terms = new TreeMap<>();
        ids.forEach(id -> terms.put(id, cluster.node(id).status().term()));
        return terms;
    }

    private static <T> int indexOf(List<T> list, java.util.function.Predicate<T> test) {
        for (int i = 0; i < list.size(); i++) {
            if (test.test(list.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static List<NodeId> with(List<NodeId> ids, NodeId extra) {
        List<NodeId> all = new ArrayList<>(ids);
        all.add(extra);
        return all;
    }

    private static List<NodeId> without(List<NodeId> ids, NodeId removed) {
        List<NodeId> rest = new ArrayList<>(ids);
        rest.remove(removed);
        return rest;
    }

    /** Writes unique values to one key, one after the other, on its own thread, until stopped. */
    private static final class BackgroundWriter implements AutoCloseable {
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicInteger successes = new AtomicInteger();
        private final List<Throwable> failures = new CopyOnWriteArrayList<>();
        private final Thread thread;

        BackgroundWriter(Node<KvCommand, String> node, String key) {
            thread = new Thread(() -> {
                for (int i = 0; !stopped.get() && i < 1_000_000; i++) {
                    try {
                        node.write(KvCommand.put(key, "w" + i)).get(LiveCluster.PATIENCE.toMillis(),
                                TimeUnit.MILLISECONDS);
                        successes.incrementAndGet();
                    } catch (ExecutionException e) {
                        failures.add(e.getCause());
                    } catch (Exception e) {
                        failures.add(e);
                        return;
                    }
                }
            }, "background-writer");
            thread.start();
        }

        int successes() {
            return successes.get();
        }

        List<Throwable> failures() {
            return List.copyOf(failures);
        }

        /** Stops writing and waits for the last write; idempotent. */
        void stop() {
            stopped.set(true);
            try {
                thread.join(LiveCluster.PATIENCE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while stopping the writer", e);
            }
        }

        @Override
        public void close() {
            stop();
        }
    }
}
