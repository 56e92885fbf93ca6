package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.DEFAULT_OPTIONS;
import static dev.raftkit.core.protocol.TestCluster.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.RequestVoteResponse;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Votes and acknowledgements only after they are durable, and exactly-once apply across restarts:
 * Raft §5.2 / Figure 2 "persistent state ... updated on stable storage before responding to RPCs",
 * dissertation §3.8 and §11.7 (RELIABILITY.md C4, C10, C11).
 */
class DurabilityTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N3 = NodeId.of("n3");

    // Raft Figure 2 (votedFor persisted before responding), dissertation §3.8; etcd TestFollowerVote;
    // Redpanda #19 (votes erased). A vote survives a crash; a second candidate of the same term is
    // refused. (C4)
    @Test
    void voteIsDurableBeforeItIsSentAndSurvivesARestart() {
        TestCluster c = twoCandidatesOfTermOne();

        c.deliver(isVoteRequest("n1", "n3"));
        Ready vote = lastReady(c, "n3");
        assertThat(vote.hardState()).isEqualTo(new HardState(1, N1, 0));
        assertThat(vote.messages()).noneMatch(m -> m instanceof RequestVoteResponse);
        assertThat(vote.afterPersist()).containsExactly(new RequestVoteResponse(N3, N1, 1, true, false));
        assertThat(c.inFlight(RequestVoteResponse.class)).as("nothing leaves before the persist").isEmpty();

        c.persist("n3");
        assertThat(c.inFlight(RequestVoteResponse.class)).containsExactly(new RequestVoteResponse(N3, N1, 1, true,
                false));
        c.deliver(m -> m instanceof RequestVoteResponse);
        assertThat(c.core("n1").role()).isEqualTo(Role.LEADER);
        c.drop(m -> m instanceof AppendEntries);

        c.crash("n3");
        assertThat(c.core("n3").term()).isEqualTo(1);
        c.deliver(isVoteRequest("n2", "n3"));
        c.persist("n3");
        assertThat(c.inFlight(RequestVoteResponse.class)).singleElement()
                .satisfies(r -> assertThat(r.granted()).as("second vote in term 1").isFalse());
    }

    // Companion of the test above: a vote whose persist was lost in a crash was never sent, so the
    // restarted node may vote again in that term without two leaders being possible. (C4)
    @Test
    void voteLostInACrashWasNeverSent() {
        TestCluster c = twoCandidatesOfTermOne();

        c.deliver(isVoteRequest("n1", "n3"));
        c.crash("n3");

        assertThat(c.inFlight(RequestVoteResponse.class)).isEmpty();
        assertThat(c.store("n3").hardState()).isEqualTo(HardState.INITIAL);
        c.deliver(isVoteRequest("n2", "n3"));
        c.persist("n3");
        c.stabilize();
        assertThat(c.leaders()).containsOnlyKeys("n2");
        assertThat(c.core("n1").role()).isEqualTo(Role.CANDIDATE);
    }

    // The mutation switch of the two tests above: with CoreOptions.unsafeAckBeforeDurable the grant
    // leaves before the persist, the crash forgets it, and n3 votes again in term 1: two leaders in
    // one term (RELIABILITY.md B4), which is what the durability rule prevents.
    @Test
    void withAcksBeforeDurableACrashLetsTwoLeadersWinOneTerm() {
        CoreOptions unsafe = new CoreOptions(10, 20, 1, false, false, CoreOptions.DEFAULT_MAX_APPEND_BYTES, 1024,
                1 << 20, false, true);
        TestCluster c = twoCandidatesOfTermOne(unsafe);

        c.deliver(isVoteRequest("n1", "n3"));
        assertThat(c.inFlight(RequestVoteResponse.class)).as("sent before the persist").hasSize(1);
        c.crash("n3");
        c.deliver(isVoteRequest("n2", "n3"));
        c.deliver(m -> m instanceof RequestVoteResponse);

        assertThat(c.leaders()).containsOnlyKeys("n1", "n2").containsValues(1L);
    }

    // C9 applied to votes: a duplicated vote request while the first grant is still being persisted
    // must not release a grant early through Ready.messages.
    @Test
    void duplicatedVoteRequestDoesNotReleaseTheGrantBeforeThePersist() {
        TestCluster c = twoCandidatesOfTermOne();
        RequestVote request = (RequestVote) c.take(isVoteRequest("n1", "n3")).get(0);

        c.deliver(request);
        c.deliver(request);

        assertThat(c.readies("n3")).allSatisfy(r -> assertThat(r.messages()).noneMatch(
                m -> m instanceof RequestVoteResponse v && v.granted()));
        assertThat(c.inFlight(RequestVoteResponse.class)).isEmpty();
    }

    /**
     * Three nodes with n1 and n2 both candidates of term 1 that cannot reach each other; their
     * vote requests to n3 are in flight; n3 persists only when told.
     */
    private static TestCluster twoCandidatesOfTermOne() {
        return twoCandidatesOfTermOne(DEFAULT_OPTIONS);
    }

    private static TestCluster twoCandidatesOfTermOne(CoreOptions options) {
        TestCluster c = new TestCluster(options, 1, ids(3));
        c.cut("n1", "n2");
        c.cut("n2", "n1");
        c.setManualPersist("n3", true);
        for (String candidate : List.of("n1", "n2")) {
            while (c.core(candidate).role() != Role.CANDIDATE) {
                c.tick(candidate);
            }
        }
        assertThat(c.core("n2").term()).isEqualTo(1);
        return c;
    }

    // Dissertation §3.8 / etcd doc.go: a follower acknowledges entries only once they are durable;
    // YugabyteDB #32875 (acks on empty requests): the same holds for an empty append. (C10)
    @Test
    void followerAcknowledgesEntriesOnlyAfterPersisting() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        c.setManualPersist("n2", true);

        c.propose("n1", "a");
        c.deliver(m -> m instanceof AppendEntries && m.to().value().equals("n2"));

        Ready append = lastReady(c, "n2");
        assertThat(append.entries()).extracting(LogEntry::index).containsExactly(2L);
        assertThat(append.messages()).noneMatch(m -> m instanceof AppendEntriesResponse);
        assertThat(append.afterPersist()).containsExactly(
                new AppendEntriesResponse(NodeId.of("n2"), N1, 1, true, 2, 0, 0));
        assertThat(c.inFlight(AppendEntriesResponse.class)).noneMatch(r -> r.from().value().equals("n2"));

        c.persist("n2");
        assertThat(c.inFlight(AppendEntriesResponse.class)).anyMatch(r -> r.from().value().equals("n2"));

        c.deliver(new AppendEntries(N1, NodeId.of("n2"), 1, 2, 1, List.of(), 1));
        assertThat(lastReady(c, "n2").afterPersist()).singleElement().isInstanceOf(AppendEntriesResponse.class);
        assertThat(lastReady(c, "n2").messages()).isEmpty();
    }

    // etcd #14370 (leader counted its own entry before its WAL write), dissertation §10.2.1: the
    // leader counts itself towards a majority only after onPersisted. (C10)
    @Test
    void leaderCountsItsOwnEntryOnlyAfterPersisting() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        c.setManualPersist("n1", true);
        c.cut("n1", "n3");

        long index = c.proposeAtLeader("n1", "a");
        c.stabilize();

        assertThat(c.store("n2").log()).hasSize((int) index);
        assertThat(c.core("n1").commitIndex()).as("only n2 holds it durably").isEqualTo(index - 1);

        c.persist("n1");
        assertThat(c.core("n1").commitIndex()).isEqualTo(index);
        assertThat(c.applied("n1")).extracting(LogEntry::index).containsExactly(1L, index);
    }

    // Dissertation §3.8 and etcd's restart path ("get_initial_state_re_apply_committed" in openraft):
    // a restarted node re-applies its log from 1 up to the persisted commit index, then what commits
    // later, each entry exactly once per incarnation; entries whose persist was lost come back from
    // the leader. (C11)
    @Test
    void restartReappliesEachCommittedEntryExactlyOnce() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        for (String command : List.of("a", "b", "c", "d")) {
            c.propose("n1", command);
            c.stabilize();
        }
        c.tick("n1");
        c.stabilize();
        List<LogEntry> firstLife = c.applied("n2");
        assertThat(firstLife).extracting(LogEntry::index).containsExactly(1L, 2L, 3L, 4L, 5L);

        c.setManualPersist("n2", true);
        c.propose("n1", "e");
        c.stabilize();
        assertThat(c.core("n1").commitIndex()).isEqualTo(6);
        long persistedCommit = c.store("n2").hardState().commitIndex();
        assertThat(persistedCommit).isPositive();

        c.crash("n2");
        c.setManualPersist("n2", false);
        assertThat(c.store("n2").log()).as("the unpersisted entry 6 was lost").hasSize(5);
        assertThat(c.applied("n2")).as("re-applied at restart")
                .isEqualTo(firstLife.subList(0, (int) persistedCommit));

        for (int round = 0; round < 4; round++) {
            c.tick("n1");
            c.stabilize();
        }
        assertThat(c.appliedByIncarnation("n2")).hasSize(2);
        assertThat(c.applied("n2")).extracting(LogEntry::index)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 6).boxed().toList());
        assertThat(c.applied("n2")).isEqualTo(c.applied("n1"));
    }

    private static Ready lastReady(TestCluster c, String id) {
        List<Ready> readies = c.readies(id);
        return readies.get(readies.size() - 1);
    }

    private static Predicate<RaftMessage> isVoteRequest(String from, String to) {
        return m -> m instanceof RequestVote && m.from().value().equals(from) && m.to().value().equals(to);
    }
}
