package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.DEFAULT_OPTIONS;
import static dev.raftkit.core.protocol.TestCluster.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Role;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.RequestVoteResponse;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Flow control and loss recovery of the leader's replication (etcd's Progress states; RELIABILITY.md
 * C26): a window of in-flight appends while replicating, one append at a time while probing, and
 * resending what was lost.
 */
class FlowControlTest {

    // etcd TestMsgAppFlowControlFull / replicate_pause.txt: while replicating, at most MAX_INFLIGHT
    // appends are unacknowledged; each acknowledgement frees room for exactly one more here.
    @Test
    void replicatingLeaderPausesAtTheInflightWindow() {
        CoreOptions oneEntryPerAppend = new CoreOptions(10, 20, 1, false, false, 1, 1024, 1 << 20, false, false);
        TestCluster c = new TestCluster(oneEntryPerAppend, 1, ids(3));
        c.elect("n1");

        long first = c.proposeAtLeader("n1", IntStream.range(0, 300).mapToObj(i -> "cmd" + i).toArray(String[]::new));

        List<RaftMessage> window = c.take(appendTo("n2"));
        assertThat(window).hasSize(Progress.MAX_INFLIGHT);
        assertThat(window).extracting(m -> ((AppendEntries) m).entries().get(0).index())
                .containsExactlyElementsOf(IntStream.range(0, Progress.MAX_INFLIGHT).mapToObj(i -> first + i).toList());

        c.deliver(window.get(0));
        c.deliver(m -> m instanceof AppendEntriesResponse && m.from().value().equals("n2"));

        assertThat(c.take(appendTo("n2"))).singleElement().satisfies(m -> assertThat(((AppendEntries) m).entries())
                .extracting(LogEntry::index).containsExactly(first + Progress.MAX_INFLIGHT));
    }

    // etcd TestMsgAppFlowControl / probe_and_replicate.txt, heartbeat_resp_recovers_from_probing.txt:
    // while probing, the leader has at most one append outstanding however much it appends; a lost
    // probe is replaced when a heartbeat answer arrives; once the follower answers it streams.
    @Test
    void probingLeaderSendsOneAppendAtATime() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        while (c.core("n1").role() != Role.CANDIDATE) {
            c.tick("n1");
        }
        c.deliver(m -> m instanceof RequestVote);
        c.deliver(m -> m instanceof RequestVoteResponse);
        assertThat(c.core("n1").role()).isEqualTo(Role.LEADER);
        assertThat(c.inFlight()).filteredOn(appendTo("n2")).hasSize(1);

        c.propose("n1", "a", "b");
        c.propose("n1", "c");
        assertThat(c.inFlight()).filteredOn(appendTo("n2")).as("paused while probing").hasSize(1);

        c.drop(appendTo("n2"));
        c.propose("n1", "d");
        assertThat(c.inFlight()).filteredOn(appendTo("n2")).isEmpty();

        c.tick("n1");
        c.deliver(m -> m instanceof Heartbeat && m.to().value().equals("n2"));
        c.deliver(m -> m instanceof HeartbeatResponse);
        List<RaftMessage> probe = c.take(appendTo("n2"));
        assertThat(probe).singleElement().satisfies(m -> assertThat(((AppendEntries) m).entries()).hasSize(5));

        probe.forEach(c::deliver);
        c.deliver(m -> m instanceof AppendEntriesResponse && m.from().value().equals("n2"));
        c.propose("n1", "e");
        c.propose("n1", "f");
        assertThat(c.inFlight()).filteredOn(appendTo("n2")).as("streaming once replicating").hasSize(2);
    }

    // etcd's resend on MsgAppResp reject: an append lost while replicating makes the next one fail
    // the consistency check; the rejection sends the leader back to probing, which resends the gap.
    @Test
    void lostAppendIsResentAfterTheNextOneIsRejected() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");

        c.propose("n1", "x");
        c.drop(appendTo("n2"));
        c.propose("n1", "y");
        c.stabilize();

        assertThat(c.store("n2").log()).isEqualTo(c.store("n1").log());
    }

    // heartbeat_resp_recovers_from_probing.txt and the Progress loss check: when the last append is
    // lost, no later append reveals the gap; two heartbeat answers showing the follower behind what
    // was sent before them make the leader resend it (one answer alone does not).
    @Test
    void lostLastAppendIsResentAfterHeartbeatAnswersShowTheGap() {
        TestCluster c = new TestCluster(DEFAULT_OPTIONS, 1, ids(3));
        c.elect("n1");
        c.propose("n1", "x");
        c.drop(appendTo("n2"));
        c.stabilize();
        assertThat(c.store("n2").log()).hasSize(1);

        int mark = c.sentCount();
        c.tick("n1");
        c.stabilize();
        assertThat(c.sentSince(mark, AppendEntries.class)).filteredOn(appendTo("n2")::test).isEmpty();

        c.tick("n1");
        c.stabilize();
        assertThat(c.sentSince(mark, AppendEntries.class)).filteredOn(appendTo("n2")::test).hasSize(1);
        assertThat(c.store("n2").log()).isEqualTo(c.store("n1").log());
    }

    // Found by the Toxiproxy suite (a one-way cut of follower -> leader under load): the follower
    // received the whole window but every acknowledgement was lost, so the window stayed full and
    // replication to it paused for good. Heartbeat answers that show no progress while appends are
    // in flight now make the leader probe again.
    @Test
    void lostAcknowledgementsOfAFullWindowDoNotPauseReplicationForGood() {
        CoreOptions oneEntryPerAppend = new CoreOptions(10, 20, 1, false, false, 1, 1024, 1 << 20, false, false);
        TestCluster c = new TestCluster(oneEntryPerAppend, 1, ids(3));
        c.elect("n1");
        c.propose("n1", IntStream.range(0, 300).mapToObj(i -> "cmd" + i).toArray(String[]::new));
        c.deliver(appendTo("n2"));
        c.drop(m -> m instanceof AppendEntriesResponse && m.from().value().equals("n2"));
        assertThat(c.store("n2").log()).hasSizeGreaterThanOrEqualTo(Progress.MAX_INFLIGHT);

        for (int i = 0; i < Progress.STALLED_HEARTBEATS + 2; i++) {
            c.tick("n1");
            c.stabilize();
        }

        assertThat(c.store("n2").log()).isEqualTo(c.store("n1").log());
    }

    private static Predicate<RaftMessage> appendTo(String id) {
        return m -> m instanceof AppendEntries && m.to().value().equals(id);
    }
}
