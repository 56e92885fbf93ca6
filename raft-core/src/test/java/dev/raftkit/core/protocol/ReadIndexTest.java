package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.DEFAULT_OPTIONS;
import static dev.raftkit.core.protocol.TestCluster.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Role;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.RequestVoteResponse;
import org.junit.jupiter.api.Test;

/**
 * Linearizable reads with ReadIndex (dissertation §6.4; RELIABILITY.md C15).
 */
class ReadIndexTest {

    // Dissertation §6.4 step 1 ("if the leader has not yet marked an entry from its current term
    // committed, it waits until it has"); etcd TestReadOnlyForNewLeader; redis-raft #19. A new leader
    // holds reads, even through confirmed heartbeat rounds, until its no-op commits. (C15 a)
    @Test
    void newLeaderHoldsReadsUntilItsNoOpCommits() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        c.propose("n1", "a");
        c.stabilize();
        long staleCommit = c.core("n2").commitIndex();
        assertThat(staleCommit).as("n2 has not learned that entry 2 committed").isLessThan(c.core("n1").commitIndex());

        while (c.core("n2").role() != Role.CANDIDATE) {
            c.tick("n2");
        }
        c.deliver(m -> m instanceof RequestVote);
        c.deliver(m -> m instanceof RequestVoteResponse);
        assertThat(c.core("n2").role()).isEqualTo(Role.LEADER);
        long noOp = c.core("n2").lastIndex();
        c.dropAlways(m -> m instanceof AppendEntriesResponse);

        assertThat(c.readIndex("n2", 7)).isTrue();
        for (int t = 0; t < 3; t++) {
            c.tick("n2");
            c.stabilize();
        }
        assertThat(c.core("n2").commitIndex()).isEqualTo(staleCommit);
        assertThat(c.reads("n2")).as("held while the no-op is uncommitted").isEmpty();

        c.heal();
        c.tick("n2");
        c.stabilize();
        c.tick("n2");
        c.stabilize();
        assertThat(c.core("n2").commitIndex()).isEqualTo(noOp);
        assertThat(c.reads("n2")).containsExactly(new ReadState(7, noOp));
    }

    // Dissertation §6.4 step 3 (a heartbeat round must reach a majority); hashicorp
    // TestRaft_VerifyLeader_Fail; etcd #20418. A leader cut off in a minority never confirms a read,
    // even without check-quorum; when it learns of the new term it drops the read and reports it.
    // (C15 b)
    @Test
    void deposedLeaderNeverConfirmsAReadAndReportsItDropped() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        c.isolate("n1");

        assertThat(c.readIndex("n1", 9)).isTrue();
        for (int t = 0; t < 50; t++) {
            c.tick("n1");
        }
        assertThat(c.reads("n1")).isEmpty();
        assertThat(c.core("n1").role()).as("no check-quorum: it still believes it leads").isEqualTo(Role.LEADER);

        c.elect("n2");
        c.propose("n2", "x");
        c.stabilize();
        c.heal();
        c.tick("n2");
        c.stabilize();

        assertThat(c.core("n1").role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.reads("n1")).isEmpty();
        assertThat(c.core("n1").takeDroppedReads()).containsExactly(9L);
        assertThat(c.readIndex("n1", 10)).as("a follower does not take reads").isFalse();
    }

    // Dissertation §6.4 ("batching ... amortize the heartbeat"); etcd TestReadOnlyOptionSafe. Reads
    // queued before one ready share one round; a read arriving while that round is in flight starts
    // the next round at once (rounds pipeline), and an answer to the earlier round never confirms it.
    // In a group of three a round goes to one voter: with the leader it makes a quorum.
    @Test
    void readsArrivingTogetherShareOneHeartbeatRoundAndRoundsPipeline() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        long commit = c.core("n1").commitIndex();
        int mark = c.sentCount();

        c.readIndexTogether("n1", 1, 2);
        assertThat(c.inFlight(Heartbeat.class)).singleElement().satisfies(h -> assertThat(h.readSeq()).isEqualTo(1));
        c.readIndex("n1", 3);
        assertThat(c.sentSince(mark, Heartbeat.class)).as("round 2 goes out while round 1 is in flight")
                .hasSize(2).filteredOn(h -> h.readSeq() == 2).hasSize(1);

        c.deliver(m -> m instanceof Heartbeat h && h.readSeq() == 1);
        c.deliver(m -> m instanceof HeartbeatResponse);
        assertThat(c.reads("n1")).as("round 1 confirms only the reads that joined it")
                .containsExactly(new ReadState(1, commit), new ReadState(2, commit));

        c.stabilize();
        assertThat(c.reads("n1")).containsExactly(new ReadState(1, commit), new ReadState(2, commit),
                new ReadState(3, commit));
        assertThat(c.sentSince(mark, Heartbeat.class)).as("two rounds of one heartbeat").hasSize(2);
    }

    // A round goes to as few voters as make a quorum with the leader, those that answered the latest
    // rounds: two of four followers in a group of five.
    @Test
    void aRoundGoesToTheVotersThatAnsweredTheLatestRounds() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(5));
        c.elect("n1");
        c.stabilize();
        c.cut("n1", "n2");
        c.cut("n1", "n3");
        c.readIndex("n1", 1);
        for (int t = 0; t < 20 && c.reads("n1").isEmpty(); t++) {
            c.tick("n1");
            c.stabilize();
        }
        assertThat(c.reads("n1")).as("the tick's heartbeat reached n4 and n5").hasSize(1);
        c.heal();
        // Only n4 and n5 answered the latest round: round 2 goes to them.
        int mark = c.sentCount();
        c.readIndex("n1", 2);
        assertThat(c.sentSince(mark, Heartbeat.class)).extracting(h -> h.to().value())
                .containsExactlyInAnyOrder("n4", "n5");
        c.stabilize();
        assertThat(c.reads("n1")).extracting(ReadState::context).containsExactly(1L, 2L);
    }

    // A chosen voter that falls silent holds its round up only until the tick's heartbeat, which
    // goes to every peer with the latest round; whoever answers it gets the next rounds.
    @Test
    void aRoundWhoseVoterFellSilentIsConfirmedByTheNextHeartbeatAndTheNextRoundGoesElsewhere() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        c.readIndex("n1", 1);
        String chosen = c.inFlight(Heartbeat.class).get(0).to().value();
        String other = chosen.equals("n2") ? "n3" : "n2";
        c.stabilize();
        c.cut("n1", chosen);

        c.readIndex("n1", 2);
        c.stabilize();
        assertThat(c.reads("n1")).as("the round went to the silent voter").extracting(ReadState::context)
                .containsExactly(1L);
        for (int t = 0; t < 20 && c.reads("n1").size() < 2; t++) {
            c.tick("n1");
            c.stabilize();
        }
        assertThat(c.reads("n1")).extracting(ReadState::context).containsExactly(1L, 2L);

        int mark = c.sentCount();
        c.readIndex("n1", 3);
        assertThat(c.sentSince(mark, Heartbeat.class)).extracting(h -> h.to().value()).containsExactly(other);
        c.stabilize();
        assertThat(c.reads("n1")).extracting(ReadState::context).containsExactly(1L, 2L, 3L);
    }

    // The single-voter case of §6.4: no other voter to ask, so a read is confirmed at once, at the
    // commit index.
    @Test
    void singleNodeConfirmsReadsAtOnce() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, "n1");
        c.elect("n1");

        assertThat(c.readIndex("n1", 5)).isTrue();

        assertThat(c.reads("n1")).containsExactly(new ReadState(5, c.core("n1").commitIndex()));
    }
}
