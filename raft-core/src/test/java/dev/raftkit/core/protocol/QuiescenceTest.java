package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.ReadIndexRequest;
import dev.raftkit.spi.RequestVote;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Quiescence of idle groups (issue 20): a caught-up, idle leader tells its members in a last
 * heartbeat and stops heartbeating; they stop their election clocks; any input or the host's
 * liveness ({@link RaftCore#wake()}) resumes them. Virtual ticks and clock; pre-vote, check-quorum
 * and a read lease on, as for the groups of a host.
 */
class QuiescenceTest {

    private static final long LEASE = 1_000;
    /** Ticks of every bounded loop: far more than any election timeout (10..20). */
    private static final int MANY_TICKS = 1_000;

    private static CoreOptions options(boolean quiesce) {
        return new CoreOptions(10, 20, 1, true, true, CoreOptions.DEFAULT_MAX_APPEND_BYTES, 1024, 1 << 20, false,
                false, LEASE, false).withQuiesce(quiesce);
    }

    /** Ticks only the leader {@code n1}, delivering everything between ticks, until it quiesces; its last heartbeats stay in flight. */
    private static void quiesceLeader(TestCluster c) {
        for (int t = 0; t < 100 && !c.core("n1").quiescent(); t++) {
            c.stabilize();
            c.tick("n1");
        }
        assertThat(c.core("n1").quiescent()).as("the idle leader quiesced").isTrue();
    }

    /** A group of three voters led by n1, with every member quiesced. */
    private static TestCluster quiesced(String... learners) {
        TestCluster c = new TestCluster(options(true), 1, ids(3), learners);
        c.elect("n1");
        quiesceLeader(c);
        c.stabilize();
        return c;
    }

    @Test
    void leaderFollowersAndLearnersQuiesceWhenCaughtUpAndIdle() {
        TestCluster c = new TestCluster(options(true), 1, ids(3), "l1");
        c.elect("n1");
        c.proposeAtLeader("n1", "a", "b");
        quiesceLeader(c);
        List<Heartbeat> last = c.inFlight(Heartbeat.class);
        long commit = c.core("n1").commitIndex();
        assertThat(last).extracting(Heartbeat::to)
                .containsExactlyInAnyOrder(NodeId.of("n2"), NodeId.of("n3"), NodeId.of("l1"));
        assertThat(last).allSatisfy(h -> {
            assertThat(h.quiesce()).isTrue();
            assertThat(h.commitIndex()).isEqualTo(commit);
        });

        int mark = c.sentCount();
        c.stabilize();
        for (String id : List.of("n2", "n3", "l1")) {
            assertThat(c.core(id).quiescent()).as(id).isTrue();
            assertThat(c.core(id).commitIndex()).as(id).isEqualTo(commit);
        }
        assertThat(c.sentSince(mark, RaftMessage.class)).as("a quiescing member does not answer").isEmpty();
    }

    @Test
    void noMessageLeavesWhileQuiesced() {
        TestCluster c = quiesced();
        long term = c.core("n1").term();
        int mark = c.sentCount();

        for (int t = 0; t < MANY_TICKS; t++) {
            c.tickAll();
            c.stabilize();
        }

        assertThat(c.sentSince(mark, RaftMessage.class)).as("messages over %d ticks", MANY_TICKS).isEmpty();
        assertThat(c.leaders()).containsExactly(Map.entry("n1", term));
        assertThat(List.of("n1", "n2", "n3")).allSatisfy(id -> assertThat(c.core(id).quiescent()).isTrue());
    }

    @Test
    void aWriteWakesTheGroupAndReplicates() {
        TestCluster c = quiesced();
        long term = c.core("n1").term();

        long index = c.proposeAtLeader("n1", "woken");
        assertThat(c.core("n1").quiescent()).isFalse();
        c.stabilize();
        c.tick("n1");
        c.stabilize();

        for (String id : List.of("n1", "n2", "n3")) {
            assertThat(c.core(id).commitIndex()).as(id).isEqualTo(index);
            assertThat(c.applied(id)).as(id).last().extracting(e -> new String(e.payload())).isEqualTo("woken");
        }
        quiesceLeader(c);
        c.stabilize();
        assertThat(List.of("n1", "n2", "n3")).as("idle again: quiesced again")
                .allSatisfy(id -> assertThat(c.core(id).quiescent()).isTrue());
        assertThat(c.leaders()).containsExactly(Map.entry("n1", term));
    }

    // A quiescing heartbeat overtaken by a later append: the follower holds an entry that is not
    // committed, so it must keep its clock, and it answers, which wakes the leader.
    @Test
    void aFollowerHoldingMoreThanTheCommitIndexDoesNotQuiesce() {
        TestCluster c = new TestCluster(options(true), 1, ids(3));
        c.elect("n1");
        quiesceLeader(c);
        List<RaftMessage> toN3 = c.take(m -> m.to().equals(NodeId.of("n3")));
        c.stabilize();
        assertThat(c.core("n2").quiescent()).as("n2 holds exactly the committed log").isTrue();

        c.proposeAtLeader("n1", "after the quiescing heartbeat");
        c.deliver(m -> m instanceof AppendEntries && m.to().equals(NodeId.of("n3")));
        c.drop(m -> m.to().equals(NodeId.of("n3")) || m.from().equals(NodeId.of("n3")));
        assertThat(c.core("n3").lastIndex()).isGreaterThan(c.core("n3").commitIndex());
        int mark = c.sentCount();
        toN3.forEach(c::deliver);

        assertThat(c.core("n3").quiescent()).isFalse();
        assertThat(c.sentSince(mark, HeartbeatResponse.class)).as("it answers the heartbeat").hasSize(1);
    }

    @Test
    void aFollowerWithAReadWaitingDoesNotQuiesceAndItsAnswerWakesTheLeader() {
        TestCluster c = new TestCluster(options(true), 1, ids(3));
        c.elect("n1");
        c.dropAlways(m -> m instanceof ReadIndexRequest); // the read waits on n3
        assertThat(c.followerRead("n3", 7)).isEqualTo(FollowerReadStart.QUEUED);
        quiesceLeader(c);
        c.deliver(m -> m.to().equals(NodeId.of("n3")));

        assertThat(c.core("n3").quiescent()).isFalse();
        c.deliver(m -> m instanceof HeartbeatResponse);
        assertThat(c.core("n1").quiescent()).as("the answer woke the leader").isFalse();
    }

    @Test
    void aWokenFollowerCampaignsOnlyAfterAnElectionTimeoutOfSilence() {
        TestCluster c = quiesced();
        long term = c.core("n1").term();
        c.isolate("n1");
        int mark = c.sentCount();
        for (int t = 0; t < MANY_TICKS; t++) {
            c.tick("n2");
        }
        assertThat(c.sentSince(mark, RequestVote.class)).as("quiesced: no campaign however long").isEmpty();

        c.wake("n2");
        assertThat(c.core("n2").quiescent()).isFalse();
        for (int t = 0; t < options(true).electionTimeoutMin() - 1; t++) {
            c.tick("n2");
        }
        assertThat(c.sentSince(mark, RequestVote.class)).as("not within an election timeout of waking").isEmpty();
        for (int t = 0; t < 2 * options(true).electionTimeoutMax()
                && c.sentSince(mark, RequestVote.class).isEmpty(); t++) {
            c.tick("n2");
        }
        assertThat(c.sentSince(mark, RequestVote.class)).as("the silent leader's follower campaigns").isNotEmpty();

        for (int t = 0; t < MANY_TICKS && !c.leaders().keySet().stream().anyMatch(id -> !id.equals("n1")); t++) {
            c.tick("n2");
            c.tick("n3");
            c.stabilize();
        }
        assertThat(c.leaders()).as("a new leader among n2 and n3").containsKey("n1").hasSize(2);
        assertThat(c.leaders().entrySet()).anySatisfy(e -> assertThat(e.getValue()).isGreaterThan(term));
    }

    /**
     * A quiesced group whose leader's host went silent: both survivors are woken by their hosts, the
     * one {@link Succession} picks up to less than the shortest election timeout (10) before the other,
     * or up to the longest (20) after ({@code lead}, in ticks). Only the one picked campaigns, once, the
     * shortest election timeout after it woke, and wins.
     */
    @ParameterizedTest(name = "group hash {0}, the one picked woken {1} ticks before the other")
    @CsvSource({"0, 0", "1, 0", "0, 9", "1, 9", "0, -20", "1, -20"})
    void whenTheLeadersHostIsLostOnlyTheSurvivorPickedFirstCampaigns(int groupHash, int lead) {
        TestCluster c = quiesced();
        long term = c.core("n1").term();
        c.isolate("n1");
        NodeId picked = Succession.first(c.core("n2").membership().voters().keySet(), NodeId.of("n1"), groupHash);
        String first = picked.value();
        String other = first.equals("n2") ? "n3" : "n2";
        CoreOptions options = options(true);
        assertThat(lead).as("the spread the timeouts allow for")
                .isBetween(-options.electionTimeoutMax(), options.electionTimeoutMin() - 1);
        int mark = c.sentCount();

        String early = lead >= 0 ? first : other;
        String late = lead >= 0 ? other : first;
        c.wakeLeaderLost(early, groupHash);
        for (int t = 0; t < Math.abs(lead); t++) {
            c.tick(early);
            c.stabilize();
        }
        c.wakeLeaderLost(late, groupHash);
        int firstWoke = lead >= 0 ? 0 : Math.abs(lead);
        int ticks = 0;
        for (; ticks < MANY_TICKS && !c.leaders().containsKey(first); ticks++) {
            assertThat(c.sentSince(mark, RequestVote.class)).as("tick %d: only the one picked campaigns", ticks)
                    .allSatisfy(v -> assertThat(v.from()).isEqualTo(picked));
            c.tick("n2");
            c.tick("n3");
            c.stabilize();
        }

        assertThat(c.leaders()).as("the one picked leads").containsKey(first);
        assertThat(c.leaders().get(first)).isGreaterThan(term);
        assertThat(c.sentSince(mark, RequestVote.class)).as("only the one picked campaigned, once (pre-vote, vote)")
                .extracting(RequestVote::from, RequestVote::preVote)
                .containsExactly(tuple(picked, true), tuple(picked, false));
        assertThat(ticks + Math.abs(lead) - firstWoke).as("ticks from its wake to leading")
                .isEqualTo(options.electionTimeoutMin());
    }

    @Test
    void aWokenPartitionedLeaderStepsDownAfterAnElectionTimeout() {
        TestCluster c = quiesced();
        c.isolate("n1");
        for (int t = 0; t < MANY_TICKS; t++) {
            c.tick("n1");
        }
        assertThat(c.core("n1").role()).as("quiesced: no check-quorum").isEqualTo(Role.LEADER);

        c.wake("n1");
        assertThat(c.core("n1").quiescent()).isFalse();
        for (int t = 0; t < options(true).electionTimeoutMin() - 1; t++) {
            c.tick("n1");
        }
        assertThat(c.core("n1").role()).as("a fresh check-quorum window").isEqualTo(Role.LEADER);
        c.tick("n1");
        assertThat(c.core("n1").role()).as("no quorum within an election timeout of waking").isEqualTo(Role.FOLLOWER);
    }

    @Test
    void withoutTheOptionNothingQuiesces() {
        TestCluster c = new TestCluster(options(false), 1, ids(3));
        c.elect("n1");
        int mark = c.sentCount();
        for (int t = 0; t < 200; t++) {
            c.tickAll();
            c.stabilize();
            assertThat(List.of("n1", "n2", "n3")).as("tick %d", t)
                    .allSatisfy(id -> assertThat(c.core(id).quiescent()).isFalse());
        }
        List<Heartbeat> beats = c.sentSince(mark, Heartbeat.class);
        assertThat(beats).as("a heartbeat round every tick").hasSizeGreaterThanOrEqualTo(2 * 200);
        assertThat(beats).noneMatch(Heartbeat::quiesce);
    }

    @Test
    void aLeaseReadOnAQuiescedLeaderWakesItAndDoesARoundOnceTheLeaseExpired() {
        TestCluster c = quiesced();
        long commit = c.core("n1").commitIndex();
        c.advanceNanos(LEASE);
        int mark = c.sentCount();

        c.leaseRead("n1", 1);

        assertThat(c.core("n1").quiescent()).isFalse();
        assertThat(c.reads("n1")).as("the lease expired while quiesced: no read from it").isEmpty();
        assertThat(c.sentSince(mark, Heartbeat.class)).as("a round").isNotEmpty();
        c.stabilize();
        assertThat(c.reads("n1")).containsExactly(new ReadState(1, commit));
    }
}
