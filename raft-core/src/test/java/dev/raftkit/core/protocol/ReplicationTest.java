package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.DEFAULT_OPTIONS;
import static dev.raftkit.core.protocol.TestCluster.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.core.TestLogStore;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Log replication: the consistency check, conflicting-suffix truncation, the commitment rule of
 * Figure 8 and the repair of divergent followers of Figure 7 (Raft §5.3, §5.4.2; RELIABILITY.md
 * C6, C7, C8).
 */
class ReplicationTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");

    // ------------------------------------------------------------ Figure 8 (C6)

    // Raft §5.4.2 / Figure 8: "Raft never commits log entries from previous terms by counting
    // replicas"; etcd TestLeaderOnlyCommitsLogFromCurrentTerm, TestCannotCommitWithoutNewTermEntry.
    // Entry 2 of term 2 reaches a majority (n1, n3, n4) under the term-4 leader n1 but stays
    // uncommitted until the leader's own no-op (index 3, term 4) reaches a majority; then both commit.
    @Test
    void previousTermEntryOnAMajorityCommitsOnlyWithACurrentTermEntry() {
        TestCluster c = figure8(false);

        assertThat(c.core("n1").commitIndex()).as("entry 2 is on n1, n3, n4 but of term 2").isZero();

        c.heal();
        c.isolate("n2");
        c.isolate("n5");
        for (int round = 0; round < 3; round++) {
            c.tick("n1");
            c.stabilize();
        }
        assertThat(c.core("n1").commitIndex()).isEqualTo(3);
        assertThat(c.applied("n1")).extracting(LogEntry::index, LogEntry::term)
                .containsExactly(tuple(1, 1), tuple(2, 2), tuple(3, 4));
    }

    // The mutation switch of the test above: with CoreOptions.unsafeCommitPreviousTerm the same run
    // commits entry 2 by counting replicas, and n5, whose log lacks it, can still win the next
    // election (Figure 8 (d)): a committed entry missing from a leader's log, which is exactly what
    // the rule prevents.
    @Test
    void withTheRuleSwitchedOffThePreviousTermEntryCommitsEarlyAndCanBeLost() {
        TestCluster c = figure8(true);

        assertThat(c.core("n1").commitIndex()).as("committed by counting replicas").isEqualTo(2);

        c.heal();
        c.isolate("n1");
        c.elect("n5");
        assertThat(c.core("n5").role()).isEqualTo(Role.LEADER);
        assertThat(c.store("n5").term(2)).as("the new leader's entry 2").isEqualTo(3);
    }

    // Control of the test above with the rule on: n5 wins the same election, but nothing it lacks
    // was ever committed, and every reachable log converges on its entry 2 of term 3.
    @Test
    void withTheRuleOnTheSameTakeoverLosesNothingCommitted() {
        TestCluster c = figure8(false);

        c.heal();
        c.isolate("n1");
        c.elect("n5");
        c.tick("n5");
        c.stabilize();
        for (String id : List.of("n2", "n3", "n4")) {
            assertThat(c.store(id).log()).as(id).isEqualTo(c.store("n5").log());
        }
        assertThat(c.store("n5").term(2)).isEqualTo(3);
        assertThat(c.core("n1").commitIndex()).as("the old leader had committed nothing").isZero();
    }

    /**
     * Figure 8 (c): five nodes; n1 and n2 hold entry 2 of term 2, n5 holds entry 2 of term 3, n3 and
     * n4 only entry 1. n1 wins term 4 with n3 and n4 (n2 and n5 unreachable), appends its no-op at
     * index 3, and replicates entry 2 to n3 and n4 one entry per message; every copy of the no-op is
     * dropped.
     */
    private static TestCluster figure8(boolean unsafeCommitPreviousTerm) {
        CoreOptions options = new CoreOptions(10, 20, 1, false, false, 1, 1024, 1 << 20, unsafeCommitPreviousTerm, false);
        TestCluster c = new TestCluster(options, 8, ids(5));
        c.setLog("n1", new HardState(3, null, 0), 1, 2);
        c.setLog("n2", new HardState(3, null, 0), 1, 2);
        c.setLog("n3", new HardState(3, null, 0), 1);
        c.setLog("n4", new HardState(3, null, 0), 1);
        c.setLog("n5", new HardState(3, null, 0), 1, 3);
        c.isolate("n2");
        c.isolate("n5");

        while (c.core("n1").role() != Role.CANDIDATE) {
            c.tick("n1");
        }
        c.deliver(m -> m instanceof RequestVote);
        c.deliver(m -> m instanceof RequestVoteResponse);
        assertThat(c.core("n1").role()).isEqualTo(Role.LEADER);
        assertThat(c.core("n1").term()).isEqualTo(4);
        c.deliver(m -> m instanceof AppendEntries);
        c.dropAlways(m -> m instanceof AppendEntries a && a.entries().stream().anyMatch(e -> e.index() == 3));
        c.stabilize();

        assertThat(c.store("n3").log()).extracting(LogEntry::term).containsExactly(1L, 2L);
        assertThat(c.store("n4").log()).extracting(LogEntry::term).containsExactly(1L, 2L);
        assertThat(c.store("n1").log()).extracting(LogEntry::term).containsExactly(1L, 2L, 4L);
        return c;
    }

    // ------------------------------------------------------------ consistency check (C7)

    // Raft §5.3 consistency check: "If the follower does not find an entry in its log with the same
    // index and term, then it refuses the new entries"; etcd TestFollowerCheckMsgApp. The rejection
    // carries a hint where the logs may match.
    @Test
    void appendWhosePreviousEntryDoesNotMatchIsRejected() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.setLog("n2", new HardState(2, null, 0), 1, 1, 2, 2);
        LogEntry next = entry(5, 3);

        c.deliver(new AppendEntries(N1, N2, 3, 4, 3, List.of(next), 0));
        c.deliver(new AppendEntries(N1, N2, 3, 6, 3, List.of(entry(7, 3)), 0));

        assertThat(c.take(m -> true)).containsExactly(
                new AppendEntriesResponse(N2, N1, 3, false, 4, 4, 2),
                new AppendEntriesResponse(N2, N1, 3, false, 6, 4, 2));
        assertThat(c.store("n2").log()).extracting(LogEntry::term).containsExactly(1L, 1L, 2L, 2L);
    }

    // Raft §5.3 / Figure 2 AppendEntries rule 3: "If an existing entry conflicts with a new one (same
    // index but different terms), delete the existing entry and all that follow it"; etcd
    // TestFollowerAppendEntries, TestHandleMsgApp. Matching entries are kept; commit becomes
    // min(leaderCommit, index of last new entry).
    @Test
    void conflictingSuffixIsTruncatedAndMatchingEntriesKept() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.setLog("n2", new HardState(2, null, 0), 1, 1, 2, 2);

        c.deliver(new AppendEntries(N1, N2, 3, 1, 1, List.of(entry(2, 1), entry(3, 3)), 9));

        assertThat(c.store("n2").log()).extracting(LogEntry::term).containsExactly(1L, 1L, 3L);
        assertThat(c.core("n2").commitIndex()).as("min(leaderCommit 9, last new index 3)").isEqualTo(3);
        assertThat(c.take(m -> true)).containsExactly(new AppendEntriesResponse(N2, N1, 3, true, 3, 0, 0));

        c.setLog("n3", new HardState(2, null, 0), 1, 1, 2, 2);
        c.deliver(new AppendEntries(N1, NodeId.of("n3"), 3, 0, 0, List.of(entry(1, 1)), 0));
        assertThat(c.store("n3").log()).as("an append of entries already held truncates nothing").hasSize(4);
    }

    // etcd TestHandleMsgApp: commit is min(leaderCommit, last index of *this* request), so entries
    // beyond the request, not yet checked against the leader, never become committed.
    @Test
    void commitIsCappedAtTheLastEntryTheAppendVerified() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.setLog("n2", new HardState(2, null, 0), 1, 1, 2, 2);

        c.deliver(new AppendEntries(N1, N2, 3, 1, 1, List.of(), 9));

        assertThat(c.core("n2").commitIndex()).isEqualTo(1);
        assertThat(c.store("n2").log()).hasSize(4);
    }

    // Raft §5.4 Leader Completeness / etcd's panic "conflict with committed entry"; redis-raft #53.
    // A committed entry is never truncated: RaftLog fails stop when asked to.
    @Test
    void truncatingACommittedEntryFailsStop() {
        TestLogStore store = TestLogStore.withTerms(new HardState(2, null, 3), 1, 1, 2, 2);
        RaftLog log = new RaftLog(store, new ConfigTracker(new dev.raftkit.Membership(0, java.util.Map.of(dev.raftkit.NodeId.of("n1"), dev.raftkit.Address.parse("h:1")), java.util.Map.of())), 3, 0, 0, 0);

        assertThatThrownBy(() -> log.maybeAppend(1, 1, List.of(entry(2, 3))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("conflicts with the committed entry");
        assertThat(log.lastIndex()).isEqualTo(4);
        assertThat(log.term(2)).isEqualTo(1);
    }

    // Through the protocol the same rule shows as: an append starting below the commit index (only a
    // stale or duplicated one can) is acknowledged up to the commit index and truncates nothing.
    @Test
    void appendBelowTheCommitIndexTruncatesNothing() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.setLog("n2", new HardState(2, null, 3), 1, 1, 2, 2);

        c.deliver(new AppendEntries(N1, N2, 3, 1, 1, List.of(entry(2, 3), entry(3, 3)), 3));

        assertThat(c.store("n2").log()).extracting(LogEntry::term).containsExactly(1L, 1L, 2L, 2L);
        assertThat(c.take(m -> true)).containsExactly(new AppendEntriesResponse(N2, N1, 3, true, 3, 0, 0));
    }

    // ------------------------------------------------------------ Figure 7 (C8)

    // Raft §5.3 / Figure 7: a leader of term 8 with log 1 1 1 4 4 5 5 6 6 6 brings six followers with
    // missing, extra and conflicting entries (a)-(f) in line with its log; entries of terms 6 and 7
    // that it lacks are overwritten. etcd TestLeaderSyncFollowerLog.
    @Test
    void leaderRepairsEveryFigure7Follower() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 7, ids(7));
        HardState term7 = new HardState(7, null, 0);
        c.setLog("n1", term7, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6);
        c.setLog("n2", term7, 1, 1, 1, 4, 4, 5, 5, 6, 6);
        c.setLog("n3", term7, 1, 1, 1, 4);
        c.setLog("n4", term7, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6);
        c.setLog("n5", term7, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7);
        c.setLog("n6", term7, 1, 1, 1, 4, 4, 4, 4);
        c.setLog("n7", term7, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3);

        c.elect("n1");
        assertThat(c.core("n1").term()).isEqualTo(8);
        c.tick("n1");
        c.stabilize();

        List<LogEntry> leaderLog = c.store("n1").log();
        assertThat(leaderLog).extracting(LogEntry::term).containsExactly(1L, 1L, 1L, 4L, 4L, 5L, 5L, 6L, 6L, 6L, 8L);
        for (String id : ids(7)) {
            assertThat(c.store(id).log()).as(id).isEqualTo(leaderLog);
            assertThat(c.core(id).commitIndex()).as(id).isEqualTo(11);
        }
    }

    private static LogEntry entry(long index, long term) {
        return new LogEntry(index, term, EntryKind.COMMAND, ("preset-" + index).getBytes());
    }

    private static org.assertj.core.groups.Tuple tuple(long index, long term) {
        return org.assertj.core.groups.Tuple.tuple(index, term);
    }
}
