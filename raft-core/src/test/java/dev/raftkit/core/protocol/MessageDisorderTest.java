package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.DEFAULT_OPTIONS;
import static dev.raftkit.core.protocol.TestCluster.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Reordered, duplicated and stale messages are harmless: Raft §5.3 "Raft RPCs are idempotent" and
 * §5.1 stale terms; etcd TestLogReplicationWithReorderedMessage, TestOldMessages (RELIABILITY.md C9).
 */
class MessageDisorderTest {

    private static final NodeId N2 = NodeId.of("n2");

    // etcd TestLogReplicationWithReorderedMessage / TestOldMessages, Raft §5.3: a follower gets the
    // appends of entries 2, 3, 4 newest first, then all again. Nothing newer is truncated and its
    // commit index never goes back.
    @Test
    void reorderedAndDuplicatedAppendsNeitherTruncateNorRegressCommit() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        List<RaftMessage> appends = new ArrayList<>();
        for (String command : List.of("a", "b", "c")) {
            c.propose("n1", command);
            appends.addAll(c.take(appendTo("n2")));
            c.stabilize();
        }
        assertThat(appends).extracting(m -> ((AppendEntries) m).prevLogIndex()).containsExactly(1L, 2L, 3L);

        c.deliver(appends.get(2));
        c.deliver(appends.get(1));
        assertThat(c.store("n2").log()).as("out-of-order appends are refused").hasSize(1);
        c.deliver(appends.get(0));
        c.deliver(appends.get(2));
        c.deliver(appends.get(1));
        c.deliver(appends.get(2));
        assertThat(c.store("n2").log()).isEqualTo(c.store("n1").log());
        long commit = c.core("n2").commitIndex();
        assertThat(commit).isEqualTo(3);

        for (RaftMessage old : List.of(appends.get(0), appends.get(2), appends.get(1), appends.get(0))) {
            c.deliver(old);
            assertThat(c.store("n2").log()).hasSize(4);
            assertThat(c.core("n2").commitIndex()).isEqualTo(commit);
        }
    }

    // etcd TestOldMessages and async_storage_writes_append_aba_race: the leader gets a follower's
    // answers newest first, duplicated, including stale rejections. The match index stays at the
    // newest acknowledgement (seen in the commit index the leader tells it), and a stale rejection
    // does not throw the follower back into probing (no resend).
    @Test
    void staleAndDuplicatedAnswersLeaveTheMatchIndexAlone() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        List<RaftMessage> appends = new ArrayList<>();
        for (String command : List.of("a", "b", "c")) {
            c.propose("n1", command);
            appends.addAll(c.take(appendTo("n2")));
            c.stabilize();
        }
        c.isolate("n3");
        List<AppendEntriesResponse> answers = new ArrayList<>();
        for (int i : new int[] {2, 1, 0, 1, 2}) {
            c.deliver(appends.get(i));
            answers.addAll(answersOf(c.take(m -> true)));
        }
        assertThat(answers).extracting(AppendEntriesResponse::success).containsExactly(false, false, true, true, true);
        AppendEntriesResponse newest = answers.get(4);
        assertThat(newest.index()).isEqualTo(4);

        int mark = c.sentCount();
        c.deliver(newest);
        for (int repeat = 0; repeat < 2; repeat++) {
            for (AppendEntriesResponse old : answers) {
                c.deliver(old);
            }
        }
        assertThat(c.sentSince(mark, AppendEntries.class)).as("no resend caused by stale answers").isEmpty();

        c.tick("n1");
        assertThat(c.inFlight(Heartbeat.class)).filteredOn(h -> h.to().equals(N2))
                .singleElement().satisfies(h -> assertThat(h.commitIndex()).as("min(match, commit)").isEqualTo(4));
    }

    // Raft §5.1: an append from a deposed leader's old term, arriving after a new leader took over,
    // is rejected with the new term and changes nothing; etcd TestOldMessages.
    @Test
    void appendOfAnOldTermArrivingLateChangesNothing() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        c.propose("n1", "a");
        List<RaftMessage> late = c.take(appendTo("n3"));
        c.stabilize();
        c.elect("n2");
        c.propose("n2", "b");
        c.stabilize();
        List<LogEntry> before = c.store("n3").log();
        long commitBefore = c.core("n3").commitIndex();

        late.forEach(c::deliver);

        assertThat(c.store("n3").log()).isEqualTo(before);
        assertThat(c.core("n3").commitIndex()).isEqualTo(commitBefore);
        assertThat(c.core("n3").term()).isEqualTo(2);
        assertThat(c.take(m -> true)).singleElement().isInstanceOfSatisfying(AppendEntriesResponse.class,
                r -> assertThat(r.success()).isFalse());
    }

    private static Predicate<RaftMessage> appendTo(String id) {
        return m -> m instanceof AppendEntries && m.to().value().equals(id);
    }

    private static List<AppendEntriesResponse> answersOf(List<RaftMessage> messages) {
        return messages.stream().filter(AppendEntriesResponse.class::isInstance)
                .map(AppendEntriesResponse.class::cast).toList();
    }
}
