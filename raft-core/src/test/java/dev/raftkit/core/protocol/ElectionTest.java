package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.DEFAULT_OPTIONS;
import static dev.raftkit.core.protocol.TestCluster.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.RequestVoteResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Elections and term rules: Raft §5.1, §5.2 and §5.4.1 (RELIABILITY.md C1, C2, C3, C5). */
class ElectionTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");

    // Raft §5.2 "If a follower receives no communication over a period of time called the election
    // timeout, then it ... begins an election"; etcd TestFollowerStartElection. (C2)
    @Test
    void followerCampaignsAfterItsElectionTimeoutAndWins() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        int ticks = 0;
        while (c.core("n1").role() == Role.FOLLOWER && ticks < 100) {
            c.tick("n1");
            ticks++;
        }

        assertThat(ticks).isBetween(DEFAULT_OPTIONS.electionTimeoutMin(), DEFAULT_OPTIONS.electionTimeoutMax());
        assertThat(c.core("n1").role()).isEqualTo(Role.CANDIDATE);
        assertThat(c.core("n1").term()).isEqualTo(1);
        Ready campaign = c.readies("n1").get(c.readies("n1").size() - 1);
        assertThat(campaign.hardState()).isEqualTo(new HardState(1, N1, 0));
        assertThat(campaign.messages()).isEmpty();
        assertThat(campaign.afterPersist()).containsExactlyInAnyOrder(
                new RequestVote(N1, NodeId.of("n2"), 1, 0, 0, false, false),
                new RequestVote(N1, NodeId.of("n3"), 1, 0, 0, false, false));

        c.stabilize();
        assertThat(c.leaders()).containsExactly(Map.entry("n1", 1L));
        assertThat(c.core("n2").leader()).contains(N1);
        assertThat(c.core("n3").leader()).contains(N1);
    }

    // Raft §5.2 "election timeouts are chosen randomly from a fixed interval"; etcd
    // TestFollowerElectionTimeoutRandomized. (C2)
    @Test
    void electionTimeoutsAreRandomizedWithinTheirBounds() {
        Set<Integer> seen = new TreeSet<>();
        for (long seed = 1; seed <= 60; seed++) {
            TestCluster c = new TestCluster(DEFAULT_OPTIONS, seed, ids(3));
            int ticks = 0;
            while (c.core("n1").role() == Role.FOLLOWER && ticks < 100) {
                c.tick("n1");
                ticks++;
            }
            assertThat(ticks).as("seed %d", seed)
                    .isBetween(DEFAULT_OPTIONS.electionTimeoutMin(), DEFAULT_OPTIONS.electionTimeoutMax());
            seen.add(ticks);
        }
        assertThat(seen).as("distinct timeouts over 60 seeds").hasSizeGreaterThanOrEqualTo(6);
    }

    // Raft §5.2 (split votes resolved by randomization) and §5.2 Election Safety; etcd
    // TestDuelingCandidates. Five nodes ticked in lock-step; at most one leader per term. (C1, C2)
    @Test
    void fiveNodesElectExactlyOneLeaderPerTerm() {
        for (long seed = 1; seed <= 20; seed++) {
            long s = seed;
            TestCluster c = new TestCluster(DEFAULT_OPTIONS, s, ids(5));
            Map<Long, Set<String>> leadersByTerm = runUntilOneLeader(c, 500);
            assertThat(c.leaders()).as("seed %d", s).hasSize(1);
            leadersByTerm.forEach((term, leaders) -> assertThat(leaders).as("seed %d term %d", s, term).hasSize(1));
        }
    }

    // Control for the test above: without randomization (min == max) five nodes time out together
    // forever and split every vote, which is why §5.2 randomizes.
    @Test
    void withoutRandomizedTimeoutsCandidatesDuelForever() {
        CoreOptions fixed = new CoreOptions(10, 10, 1, false, false, CoreOptions.DEFAULT_MAX_APPEND_BYTES, 1024,
                1 << 20, false, false);
        TestCluster c = new TestCluster(fixed, 1, ids(5));
        runUntilOneLeader(c, 300);
        assertThat(c.leaders()).isEmpty();
        assertThat(c.core("n1").term()).isGreaterThanOrEqualTo(20);
    }

    private static Map<Long, Set<String>> runUntilOneLeader(TestCluster c, int maxTicks) {
        Map<Long, Set<String>> leadersByTerm = new HashMap<>();
        for (int t = 0; t < maxTicks && c.leaders().isEmpty(); t++) {
            c.tickAll();
            c.stabilize();
            c.leaders().forEach((id, term) -> leadersByTerm.computeIfAbsent(term, k -> new HashSet<>()).add(id));
        }
        return leadersByTerm;
    }

    // Raft §5.1 "If a server's current term is smaller than the other's, it updates its current
    // term ... If a candidate or leader discovers that its term is out of date, it immediately
    // reverts to follower state"; etcd TestLeaderUpdateTermFromMessage. (C3)
    @Test
    void leaderStepsDownOnAMessageOfAHigherTerm() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");

        c.deliver(new Heartbeat(N2, N1, 5, 0, 0));

        assertThat(c.core("n1").role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.core("n1").term()).isEqualTo(5);
        assertThat(c.core("n1").leader()).contains(N2);
        assertThat(c.store("n1").hardState()).isEqualTo(new HardState(5, null, 1));
    }

    // Raft §5.1, as above, for a candidate that learns of a higher term from a vote response;
    // etcd TestCandidateUpdateTermFromMessage. (C3)
    @Test
    void candidateStepsDownOnAVoteResponseOfAHigherTerm() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        while (c.core("n1").role() != Role.CANDIDATE) {
            c.tick("n1");
        }

        c.deliver(new RequestVoteResponse(N2, N1, 4, false, false));

        assertThat(c.core("n1").role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.core("n1").term()).isEqualTo(4);
        assertThat(c.core("n1").leader()).isEmpty();
    }

    // Raft §5.1 "If a server receives a request with a stale term number, it rejects the request";
    // etcd TestRejectStaleTermMessage. The stale leader is told the newer term. (C3)
    @Test
    void staleTermAppendIsRejectedWithoutAnyStateChange() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.setLog("n2", new HardState(3, null, 1), 1, 3);
        List<LogEntry> before = c.store("n2").log();

        LogEntry stale = new LogEntry(3, 2, EntryKind.COMMAND, new byte[] {1});
        c.deliver(new AppendEntries(N1, N2, 2, 2, 3, List.of(stale), 3));

        assertThat(c.inFlight()).containsExactly(new AppendEntriesResponse(N2, N1, 3, false, 0, 0, 0));
        assertThat(c.store("n2").log()).isEqualTo(before);
        assertThat(c.core("n2").term()).isEqualTo(3);
        assertThat(c.core("n2").commitIndex()).isEqualTo(1);
        assertThat(c.core("n2").leader()).isEmpty();
    }

    // Raft §5.1 stale requests are rejected: a vote request of an older term gets no vote and
    // changes nothing. (C3)
    @Test
    void staleTermVoteRequestIsIgnored() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.setLog("n2", new HardState(3, null, 0));

        c.deliver(new RequestVote(N1, N2, 2, 10, 2, false, false));

        assertThat(c.inFlight()).isEmpty();
        assertThat(c.core("n2").term()).isEqualTo(3);
        assertThat(c.store("n2").hardState().vote()).isEmpty();
    }

    // Raft §5.4.1 "the voter denies its vote if its own log is more up-to-date than that of the
    // candidate" (last term compared first); etcd TestVoter, TestLeaderElectionOverwriteNewerLogs. (C5)
    @Test
    void candidateWithAnOlderLastTermCannotWin() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.setLog("n1", new HardState(2, null, 0), 1, 1, 1);
        c.setLog("n2", new HardState(2, null, 0), 1, 2);
        c.setLog("n3", new HardState(2, null, 0), 1, 2);

        assertCampaignRefused(c);
        c.elect("n2");
        assertThat(c.leaders()).containsOnlyKeys("n2");
    }

    // Raft §5.4.1 "If the logs end with the same term, then whichever log is longer is more
    // up-to-date"; etcd TestVoter. (C5)
    @Test
    void candidateWithAShorterLogOfTheSameTermCannotWin() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.setLog("n1", new HardState(2, null, 0), 1, 2);
        c.setLog("n2", new HardState(2, null, 0), 1, 2, 2);
        c.setLog("n3", new HardState(2, null, 0), 1, 2, 2);

        assertCampaignRefused(c);
    }

    /** n1 campaigns several times; every vote is refused and it never leads. */
    private static void assertCampaignRefused(TestCluster c) {
        for (int campaign = 0; campaign < 3; campaign++) {
            while (c.core("n1").role() != Role.CANDIDATE) {
                c.tick("n1");
            }
            c.deliver(m -> m instanceof RequestVote);
            List<RequestVoteResponse> answers = c.inFlight(RequestVoteResponse.class);
            assertThat(answers).hasSize(2).allSatisfy(r -> assertThat(r.granted()).isFalse());
            c.stabilize();
            assertThat(c.core("n1").role()).isEqualTo(Role.FOLLOWER);
        }
        assertThat(c.leaders()).isEmpty();
    }
}
