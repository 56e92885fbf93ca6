package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.ids;
import static dev.raftkit.core.protocol.TestCluster.options;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.RequestVote;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Partitions and disruptive nodes: pre-vote, check-quorum and leader stickiness (dissertation §9.6
 * and §6.2; RELIABILITY.md C12, C13, C14).
 */
class DisruptionTest {

    // Dissertation §9.6 (pre-vote); etcd TestDisruptiveFollowerPreVote, prevote.txt. An isolated
    // follower's term does not grow however long it waits, and when it rejoins it cannot depose the
    // leader: its pre-vote is refused because the others' logs moved on. (C12)
    @Test
    void preVoteKeepsARejoiningNodeFromDeposingTheLeader() {
        TestCluster c = new TestCluster(options(true, false), 1, ids(3));
        c.elect("n1");
        long term = c.core("n1").term();

        c.isolate("n3");
        c.propose("n1", "written while n3 was away");
        c.stabilize();
        for (int t = 0; t < 200; t++) {
            c.tick("n3");
        }
        assertThat(c.core("n3").role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(c.core("n3").term()).as("no term inflation while isolated").isEqualTo(term);

        c.heal();
        while (c.inFlight(RequestVote.class).isEmpty()) {
            c.tick("n3");
        }
        assertThat(c.inFlight(RequestVote.class)).allSatisfy(v -> assertThat(v.preVote()).isTrue());
        c.stabilize();
        assertThat(c.leaders()).as("the pre-vote was refused: n3's log is behind")
                .containsExactly(Map.entry("n1", term));
        for (int t = 0; t < 100; t++) {
            c.tickAll();
            c.stabilize();
            assertThat(c.leaders()).as("tick %d", t).containsExactly(Map.entry("n1", term));
        }
        assertThat(c.core("n3").term()).isEqualTo(term);
        assertThat(c.core("n3").leader()).contains(NodeId.of("n1"));
        assertThat(c.store("n3").log()).isEqualTo(c.store("n1").log());
    }

    // Control of the test above with pre-vote off (etcd TestDisruptiveFollower): the isolated node's
    // term inflates, and when it rejoins it deposes the working leader although it cannot win. (C12)
    @Test
    void withoutPreVoteARejoiningNodeInflatesItsTermAndDeposesTheLeader() {
        TestCluster c = new TestCluster(options(false, false), 1, ids(3));
        c.elect("n1");
        long term = c.core("n1").term();

        c.isolate("n3");
        c.propose("n1", "written while n3 was away");
        c.stabilize();
        for (int t = 0; t < 200; t++) {
            c.tick("n3");
        }
        long inflated = c.core("n3").term();
        assertThat(inflated).isGreaterThan(term + 5);

        c.heal();
        c.tickAll();
        c.stabilize();
        assertThat(c.core("n1").term()).as("the leader was deposed").isGreaterThanOrEqualTo(inflated);
        assertThat(c.core("n1").role()).isNotEqualTo(Role.LEADER);
    }

    // Dissertation §6.2 (check-quorum); etcd TestLeaderStepdownWhenQuorumLost, checkquorum.txt. A
    // leader cut off from every follower steps down within two election timeouts (one full
    // check-quorum window) and then rejects writes and reads; the majority elects a new leader. (C13)
    @Test
    void isolatedLeaderStepsDownAndRejectsRequests() {
        TestCluster c = new TestCluster(options(true, true), 1, ids(3));
        c.elect("n1");
        long term = c.core("n1").term();
        for (int t = 0; t < 5; t++) {
            c.tickAll();
            c.stabilize();
        }

        c.isolate("n1");
        int ticks = 0;
        while (c.core("n1").role() == Role.LEADER && ticks < 100) {
            c.tick("n1");
            ticks++;
        }
        assertThat(ticks).isLessThanOrEqualTo(2 * options(true, true).electionTimeoutMin());
        assertThat(c.core("n1").role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.propose("n1", "refused")).isEqualTo(Proposal.Refused.NOT_LEADER);
        assertThat(c.readIndex("n1", 1)).isFalse();

        for (int t = 0; t < 100 && c.leaders().isEmpty(); t++) {
            c.tickAll();
            c.stabilize();
        }
        assertThat(c.leaders()).hasSize(1).doesNotContainKey("n1");
        assertThat(c.leaders().values()).allSatisfy(leaderTerm -> assertThat(leaderTerm).isGreaterThan(term));
    }

    // Dissertation §4.2.3 (leader stickiness), etcd prevote_checkquorum.txt, openraft
    // t14_one_way_isolation: a follower that hears the leader but cannot send anything never
    // campaigns, and the leader stays. (C14)
    @Test
    void followerThatStillHearsTheLeaderDoesNotCampaign() {
        TestCluster c = new TestCluster(options(true, true), 1, ids(3));
        c.elect("n1");
        long term = c.core("n1").term();

        c.cut("n3", "n1");
        c.cut("n3", "n2");
        for (int t = 0; t < 200; t++) {
            c.tickAll();
            c.stabilize();
            assertThat(c.core("n3").role()).as("tick %d", t).isEqualTo(Role.FOLLOWER);
        }
        assertThat(c.readies("n3")).noneMatch(r -> r.messages().stream().anyMatch(RequestVote.class::isInstance));
        assertThat(c.leaders()).containsExactly(Map.entry("n1", term));
    }

    // The reverse one-way cut (etcd TestLeaderSupersedingWithCheckQuorum, openraft
    // t61_heartbeat_reject_vote): a follower that cannot hear the leader does campaign, but the
    // others still hear the leader and ignore it, so the term stays and the leader stays. (C14)
    @Test
    void followerThatCannotHearTheLeaderCampaignsButIsIgnored() {
        TestCluster c = new TestCluster(options(true, true), 1, ids(3));
        c.elect("n1");
        long term = c.core("n1").term();

        c.cut("n1", "n3");
        boolean campaigned = false;
        for (int t = 0; t < 200; t++) {
            c.tickAll();
            campaigned |= c.core("n3").role() == Role.PRE_CANDIDATE;
            c.stabilize();
        }
        assertThat(campaigned).isTrue();
        assertThat(c.leaders()).containsExactly(Map.entry("n1", term));
        assertThat(c.core("n2").term()).isEqualTo(term);
        assertThat(c.core("n3").term()).isEqualTo(term);
    }

    // etcd TestFreeStuckCandidateWithCheckQuorum (C14): without pre-vote, an isolated node inflates
    // its term; on rejoining, its vote requests are ignored while the leader is heard, but its
    // answer to the leader's heartbeat reveals the higher term, and the cluster settles on one
    // leader in a term at least as high, with the stuck node following it.
    @Test
    void stuckHigherTermCandidateIsFreed() {
        TestCluster c = new TestCluster(options(false, true), 1, ids(3));
        c.elect("n1");

        c.isolate("n3");
        for (int t = 0; t < 100; t++) {
            c.tick("n3");
        }
        long stuckTerm = c.core("n3").term();
        assertThat(c.core("n3").role()).isEqualTo(Role.CANDIDATE);

        c.heal();
        while (c.inFlight(RequestVote.class).isEmpty()) {
            c.tick("n3");
        }
        c.deliver(m -> m instanceof RequestVote);
        assertThat(c.inFlight()).as("vote requests ignored while the leader is heard").isEmpty();
        assertThat(c.core("n1").role()).isEqualTo(Role.LEADER);

        for (int t = 0; t < 200 && c.settledLeader().isEmpty(); t++) {
            c.tickAll();
            c.stabilize();
        }
        assertThat(c.settledLeader()).isPresent();
        String leader = c.settledLeader().orElseThrow();
        assertThat(c.core(leader).term()).isGreaterThanOrEqualTo(stuckTerm);
        assertThat(c.core("n3").leader()).contains(NodeId.of(leader));
    }
}
