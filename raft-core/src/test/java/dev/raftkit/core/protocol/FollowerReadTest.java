package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.DEFAULT_OPTIONS;
import static dev.raftkit.core.protocol.TestCluster.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.ReadIndexRequest;
import dev.raftkit.spi.ReadIndexResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reads served on a follower with the leader's read index ({@code ReadPolicy.FOLLOWER}; the
 * follower-read variant of ReadIndex in dissertation §6.4).
 */
class FollowerReadTest {

    /** The default options with three ticks between heartbeats, so a resend can be seen to wait. */
    private static final CoreOptions SLOW_HEARTBEATS = new CoreOptions(10, 20, 3, false, false,
            CoreOptions.DEFAULT_MAX_APPEND_BYTES, 1024, 1 << 20, false, false);

    /** Asserts that the one answer in flight carries {@code index} and releases read {@code context} on {@code asker}. */
    private static void assertAnswered(TestCluster c, String asker, long context, long index) {
        assertThat(c.inFlight(ReadIndexResponse.class)).singleElement()
                .satisfies(r -> assertThat(r.readIndex()).isEqualTo(index));
        c.stabilize();
        assertThat(c.reads(asker)).containsExactly(new ReadState(context, index));
    }

    /** Delivers the heartbeat of {@code round} to {@code id} alone, and its answer. */
    private static void acknowledgeRound(TestCluster c, String id, long round) {
        c.deliver(m -> m instanceof Heartbeat h && h.to().equals(NodeId.of(id)) && h.readSeq() == round);
        c.deliver(m -> m instanceof HeartbeatResponse);
    }

    // The leader must not answer from a round that was already in flight when the request arrived:
    // a quorum may have moved on to a new leader before then. Only the round started after it counts.
    // (Five voters: in a group of three the asker and the leader alone are a quorum.)
    @Test
    void leaderAnswersOnlyAfterAQuorumRoundStartedAfterTheRequestArrived() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(5));
        c.elect("n1");
        long commit = c.core("n1").commitIndex();
        c.tick("n1"); // a periodic round, in flight before the request arrives
        long earlyRound = c.inFlight(Heartbeat.class).get(0).readSeq();

        assertThat(c.followerRead("n2", 7)).isEqualTo(FollowerReadStart.QUEUED);
        c.deliver(m -> m instanceof ReadIndexRequest);
        assertThat(c.inFlight(Heartbeat.class)).as("the request starts a round of its own")
                .anySatisfy(h -> assertThat(h.readSeq()).isGreaterThan(earlyRound));

        c.deliver(m -> m instanceof Heartbeat h && h.readSeq() == earlyRound);
        c.deliver(m -> m instanceof HeartbeatResponse);
        assertThat(c.inFlight(ReadIndexResponse.class)).as("the earlier round confirms nothing").isEmpty();

        c.deliver(m -> m instanceof Heartbeat);
        c.deliver(m -> m instanceof HeartbeatResponse);
        assertAnswered(c, "n2", 7, commit);
    }

    // Batching: every read queued before the follower's next ready shares one request, and the
    // leader confirms the batch with one round.
    @Test
    void readsQueuedTogetherShareOneRequest() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        long commit = c.core("n1").commitIndex();
        int mark = c.sentCount();

        c.followerReadTogether("n2", 1, 2, 3);
        assertThat(c.sentSince(mark, ReadIndexRequest.class)).hasSize(1);
        c.stabilize();

        assertThat(c.sentSince(mark, ReadIndexRequest.class)).hasSize(1);
        assertThat(c.sentSince(mark, ReadIndexResponse.class)).hasSize(1);
        assertThat(c.reads("n2")).containsExactly(new ReadState(1, commit), new ReadState(2, commit),
                new ReadState(3, commit));
    }

    // On the leader a follower read is an ordinary ReadIndex: no request over the network.
    @Test
    void onTheLeaderItIsAnOrdinaryReadIndex() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        int mark = c.sentCount();

        assertThat(c.followerRead("n1", 4)).isEqualTo(FollowerReadStart.QUEUED);
        c.stabilize();

        assertThat(c.sentSince(mark, ReadIndexRequest.class)).isEmpty();
        assertThat(c.reads("n1")).containsExactly(new ReadState(4, c.core("n1").commitIndex()));
    }

    @Test
    void refusedWhenNoLeaderIsKnown() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));

        assertThat(c.followerRead("n2", 1)).isEqualTo(FollowerReadStart.NO_LEADER);
        assertThat(c.sentCount()).isZero();
    }

    // A leader that never answers (here: requests are lost) costs the follower an election timeout,
    // then the read is dropped for the driver to fail, not kept forever.
    @Test
    void unansweredReadIsDroppedAfterAnElectionTimeout() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        c.dropAlways(m -> m instanceof ReadIndexRequest);
        c.followerRead("n2", 5);

        for (int t = 1; t < DEFAULT_OPTIONS.electionTimeoutMin(); t++) {
            c.tickAll(); // the leader's heartbeats keep n2 following it
            c.stabilize();
        }
        assertThat(c.takeDroppedReads("n2")).isEmpty();
        c.tickAll();

        assertThat(c.takeDroppedReads("n2")).containsExactly(5L);
        assertThat(c.reads("n2")).isEmpty();
    }

    // A follower that starts following another leader drops the reads it asked the old one about.
    @Test
    void readsAreDroppedWhenTheFollowerFollowsAnotherLeader() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        c.isolate("n1");
        c.followerRead("n2", 6);

        c.elect("n3");

        assertThat(c.takeDroppedReads("n2")).containsExactly(6L);
    }

    // One lost request costs a heartbeat interval, not an election timeout: the follower asks again
    // under the same id, and the leader answers the copy like any request.
    @Test
    void lostRequestIsSentAgainAfterAHeartbeatInterval() {
        TestCluster c = new TestCluster(SLOW_HEARTBEATS, 1, ids(3));
        c.elect("n1");
        long commit = c.core("n1").commitIndex();
        c.followerRead("n2", 5);
        List<RaftMessage> lost = c.take(m -> m instanceof ReadIndexRequest);
        assertThat(lost).hasSize(1);

        for (int t = 1; t < SLOW_HEARTBEATS.heartbeatInterval(); t++) {
            c.tick("n2");
        }
        assertThat(c.inFlight(ReadIndexRequest.class)).as("not sent again before a heartbeat interval").isEmpty();
        c.tick("n2");

        assertThat(c.inFlight(ReadIndexRequest.class)).singleElement().isEqualTo(lost.get(0));
        c.stabilize();
        assertThat(c.reads("n2")).containsExactly(new ReadState(5, commit));
    }

    // A request that was only slow is answered twice once its copy arrives too: the first answer
    // releases the reads, the second finds nothing to release.
    @Test
    void aSecondAnswerToTheSameRequestIsHarmless() {
        TestCluster c = new TestCluster(SLOW_HEARTBEATS, 1, ids(3));
        c.elect("n1");
        long commit = c.core("n1").commitIndex();
        int mark = c.sentCount();
        c.followerRead("n2", 5);
        List<RaftMessage> slow = c.take(m -> m instanceof ReadIndexRequest);
        for (int t = 0; t < SLOW_HEARTBEATS.heartbeatInterval(); t++) {
            c.tick("n2");
        }

        slow.forEach(c::deliver);
        c.stabilize();

        assertThat(c.sentSince(mark, ReadIndexResponse.class)).as("both copies answered").hasSize(2);
        assertThat(c.reads("n2")).containsExactly(new ReadState(5, commit));
        assertThat(c.takeDroppedReads("n2")).isEmpty();
    }

    // Followers that ask faster than rounds complete cost the leader bounded memory: requests beyond
    // the bound are ignored (the follower asks again later), and accepted again once answers free room.
    // (Five voters, so that requests wait for a round.)
    @Test
    void leaderIgnoresRequestsBeyondItsBound() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(5));
        c.elect("n1");
        long term = c.core("n1").term();
        int mark = c.sentCount();
        int bound = LeaderRole.MAX_REMOTE_READ_REQUESTS;

        for (long id = 1; id <= bound + 1; id++) {
            c.deliver(new ReadIndexRequest(NodeId.of("n2"), NodeId.of("n1"), term, 1_000_000 + id));
        }
        c.stabilize();

        List<ReadIndexResponse> answers = c.sentSince(mark, ReadIndexResponse.class);
        assertThat(answers).hasSize(bound).noneSatisfy(r -> assertThat(r.requestId()).isEqualTo(1_000_000 + bound + 1));
        c.deliver(new ReadIndexRequest(NodeId.of("n2"), NodeId.of("n1"), term, 1_000_000 + bound + 1));
        c.stabilize();
        assertThat(c.sentSince(mark, ReadIndexResponse.class)).as("room again once answered").hasSize(bound + 1);
    }

    // In a group of three voters a voter's request is answered at once: the leader and the asker,
    // which accepts the answer only in this term, are a quorum. Two messages, no heartbeat round.
    @Test
    void aVoterIsAnsweredWithoutARoundInAGroupOfThree() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        c.tick("n1"); // the followers learn that the term's first entry committed
        c.stabilize();
        long commit = c.core("n1").commitIndex();
        int mark = c.sentCount();

        c.followerRead("n2", 8);
        c.deliver(m -> m instanceof ReadIndexRequest);

        assertThat(c.inFlight(ReadIndexResponse.class)).singleElement()
                .satisfies(r -> assertThat(r.readIndex()).isEqualTo(commit));
        assertThat(c.sentSince(mark, Heartbeat.class)).as("no round").isEmpty();
        c.stabilize();
        assertThat(c.reads("n2")).containsExactly(new ReadState(8, commit));
        assertThat(c.sentSince(mark, RaftMessage.class)).hasSize(2);
    }

    // An answer the follower cannot use yet, because it holds the entries but has not heard that
    // they committed, goes with a heartbeat that tells it: its reads do not wait for the next one.
    @Test
    void aFollowerThatDoesNotKnowTheReadIndexCommittedIsToldAtOnce() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        long commit = c.core("n1").commitIndex();
        assertThat(c.core("n2").commitIndex()).as("not told yet").isLessThan(commit);
        int mark = c.sentCount();

        c.followerRead("n2", 13);
        c.deliver(m -> m instanceof ReadIndexRequest);

        assertThat(c.inFlight(Heartbeat.class)).singleElement()
                .satisfies(h -> assertThat(h.commitIndex()).isEqualTo(commit));
        c.deliverAll();
        assertThat(c.core("n2").commitIndex()).isEqualTo(commit);
        assertThat(c.reads("n2")).containsExactly(new ReadState(13, commit));
        assertThat(c.sentSince(mark, Heartbeat.class)).as("sent to the asker only").hasSize(1);
    }

    // In a group of five voters the leader and the asker are two of the three needed: the leader
    // answers once one more voter acknowledged the round started after the request arrived.
    @Test
    void inAGroupOfFiveAVoterWaitsForOneMoreAcknowledgement() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(5));
        c.elect("n1");
        long commit = c.core("n1").commitIndex();

        c.followerRead("n2", 9);
        c.deliver(m -> m instanceof ReadIndexRequest);
        assertThat(c.inFlight(ReadIndexResponse.class)).as("not answered before a round").isEmpty();
        long round = c.inFlight(Heartbeat.class).get(0).readSeq();

        acknowledgeRound(c, "n3", round);

        assertAnswered(c, "n2", 9, commit);
    }

    // A learner's acceptance proves nothing about votes: its request waits for a quorum of voters
    // to acknowledge a round, even in a group of three voters.
    @Test
    void aLearnersRequestWaitsForAQuorumOfVoters() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3), "n4");
        c.elect("n1");
        c.stabilize();
        long commit = c.core("n1").commitIndex();

        assertThat(c.followerRead("n4", 10)).isEqualTo(FollowerReadStart.QUEUED);
        c.deliver(m -> m instanceof ReadIndexRequest);
        assertThat(c.inFlight(ReadIndexResponse.class)).as("not answered before a round").isEmpty();
        long round = c.inFlight(Heartbeat.class).get(0).readSeq();

        acknowledgeRound(c, "n4", round);
        assertThat(c.inFlight(ReadIndexResponse.class)).as("the learner's own acknowledgement counts for nothing")
                .isEmpty();

        acknowledgeRound(c, "n2", round);
        assertAnswered(c, "n4", 10, commit);
    }

    // The follower's acceptance counts towards the leader's quorum only if it is in the answer's
    // term: an answer of an older or a newer term never releases the reads. (A newer term also
    // makes it stop following, so the reads are dropped.)
    @Test
    void anAnswerOfAnotherTermReleasesNothing() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        long term = c.core("n2").term();
        c.followerRead("n2", 11);
        ReadIndexRequest request = (ReadIndexRequest) c.take(m -> m instanceof ReadIndexRequest).get(0);
        NodeId leader = NodeId.of("n1");
        NodeId follower = NodeId.of("n2");

        c.deliver(new ReadIndexResponse(leader, follower, term - 1, request.requestId(), 1));
        assertThat(c.reads("n2")).as("an older term's answer").isEmpty();

        c.deliver(new ReadIndexResponse(leader, follower, term + 1, request.requestId(), 1));
        assertThat(c.reads("n2")).as("a newer term's answer").isEmpty();
        assertThat(c.takeDroppedReads("n2")).containsExactly(11L);
    }

    // FollowerReads itself releases a batch only for an answer of the term it was asked in.
    @Test
    void aBatchIsReleasedOnlyByAnAnswerOfItsTerm() {
        FollowerReads reads = new FollowerReads();
        Outbox out = new Outbox(false);
        reads.add(12);
        reads.takeBatch(1, 5);

        reads.answered(1, 6, 3, out);
        reads.answered(1, 4, 3, out);
        assertThat(out.take(null, List.of(), List.of()).reads()).isEmpty();

        reads.answered(1, 5, 3, out);
        assertThat(out.take(null, List.of(), List.of()).reads()).containsExactly(new ReadState(12, 3));
    }
}
