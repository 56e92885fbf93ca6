package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.BusyException;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Role;
import dev.raftkit.testkit.kv.KvCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * API.md "Errors" for calls a node turns away while it runs: {@link NotLeaderException} with the
 * leader's id and address, {@link NoLeaderException} without a known leader, and
 * {@link BusyException} beyond {@code maxInflightWrites}.
 */
class LeaderErrorsTest extends ClusterTestBase {


    @Test
    void followerThatKnowsTheLeaderAnswersNotLeaderWithItsIdAndAddress() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        for (NodeId f : cluster.followersOf(l)) {
            Node<KvCommand, String> follower = cluster.node(f);
            List<CompletableFuture<?>> calls = List.of(
                    follower.write(KvCommand.put("nl", "1")),
                    follower.writeBatch(List.of(KvCommand.put("nl", "2"))),
                    follower.readLinearizable(() -> "read"));
            for (CompletableFuture<?> call : calls) {
                NotLeaderException e = Await.failure(call, NotLeaderException.class);
                assertThat(e.mayHaveCommitted()).as("refused: nothing appended").isFalse();
                assertThat(e.leaderHint()).contains(l);
                assertThat(e.leaderAddress()).contains(cluster.address(l));
            }
        }
        Await.value(cluster.node(l).write(KvCommand.put("barrier", "v")));
        cluster.awaitConverged(RecordingKv::applied);
        assertThat(cluster.stateMachine(l).applied()).extracting(RecordingKv.Applied::command)
                .containsExactly(KvCommand.put("barrier", "v"));
    }

    @Test
    void followerThatKnowsNoLeaderAnswersNoLeader() {
        // One member of three, with an election timeout far beyond the test: it stays a follower.
        cluster = clusterOf(3)
                .tuning(c -> c.tickInterval(Duration.ofMillis(10)).electionTimeoutTicks(60_000, 60_001)).build();
        Node<KvCommand, String> lonely = cluster.start(cluster.id(0));
        assertThat(lonely.role()).isEqualTo(Role.FOLLOWER);
        assertThat(lonely.leader()).isEmpty();
        assertNoLeader(lonely);
        assertThat(lonely.role()).isEqualTo(Role.FOLLOWER);
    }

    @ParameterizedTest(name = "preVote={0}")
    @ValueSource(booleans = {true, false})
    void campaigningNodeAnswersNoLeader(boolean preVote) {
        // One member of three cannot win: it campaigns for ever, as pre-candidate or candidate.
        cluster = clusterOf(3).tuning(c -> c.preVote(preVote).electionTimeoutTicks(5, 10)).build();
        Node<KvCommand, String> lonely = cluster.start(cluster.id(0));
        Role campaigning = preVote ? Role.PRE_CANDIDATE : Role.CANDIDATE;
        Await.until(cluster.id(0) + " campaigns as " + campaigning, () -> lonely.role() == campaigning);
        assertNoLeader(lonely);
        assertThat(lonely.role()).isEqualTo(campaigning);
        assertThat(lonely.status().leader()).isEmpty();
    }

    @Test
    void nodeCutOffFromEveryoneLosesItsLeaderAndAnswersNoLeader() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        NodeId f = cluster.followersOf(l).get(0);
        cluster.network().isolate(f);
        Node<KvCommand, String> cutOff = cluster.node(f);
        Await.until(f + " forgets the leader", () -> cutOff.leader().isEmpty());
        assertNoLeader(cutOff);
        assertThat(cutOff.role()).isIn(Role.FOLLOWER, Role.PRE_CANDIDATE);
        // The majority side goes on; once healed the node follows again and rejects with a hint.
        Await.value(cluster.node(l).write(KvCommand.put("k", "v")));
        cluster.network().heal();
        Await.until(f + " knows the leader again", () -> cutOff.leader().isPresent());
        assertThat(Await.failure(cutOff.write(KvCommand.put("k", "w")), NotLeaderException.class).leaderHint())
                .isEqualTo(cutOff.leader());
    }

    private static void assertNoLeader(Node<KvCommand, String> node) {
        assertThat(Await.failure(node.write(KvCommand.put("k", "v")), NoLeaderException.class).mayHaveCommitted())
                .isFalse();
        Await.failure(node.writeBatch(List.of(KvCommand.put("k", "v"))), NoLeaderException.class);
        Await.failure(node.readLinearizable(() -> "read"), NoLeaderException.class);
    }

    @Test
    void writesBeyondMaxInflightWritesFailFastWithBusy() {
        int max = 3;
        cluster = clusterOf(3).tuning(c -> c.maxInflightWrites(max)).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        cluster.stateMachine(l).hold();
        List<CompletableFuture<String>> inFlight = new ArrayList<>();
        for (int n = 0; n < max; n++) {
            inFlight.add(leader.write(KvCommand.put("in" + n, "v")));
        }
        Await.until("a write is held at apply", cluster.stateMachine(l)::applyIsHeld);

        CompletableFuture<String> busy = leader.write(KvCommand.put("over", "v"));
        assertThat(busy).as("fails fast, before any consensus").isCompletedExceptionally();
        assertThat(Await.failure(busy, BusyException.class)).hasMessageContaining("maxInflightWrites")
                .satisfies(e -> assertThat(e.mayHaveCommitted()).isFalse());
        Await.failure(leader.writeBatch(List.of(KvCommand.put("over", "b"))), BusyException.class);
        inFlight.forEach(w -> assertThat(w).isNotDone());

        cluster.stateMachine(l).release();
        inFlight.forEach(w -> assertThat(Await.value(w)).isEqualTo("OK"));
        // Room again: exactly max writes fit once the earlier ones completed.
        assertThat(Await.value(leader.writeBatch(List.of(KvCommand.put("a", "v"), KvCommand.put("b", "v"),
                KvCommand.put("c", "v"))))).containsExactly("OK", "OK", "OK");
        assertThat(cluster.stateMachine(l).applied()).extracting(RecordingKv.Applied::command)
                .doesNotContain(KvCommand.put("over", "v"), KvCommand.put("over", "b"));
    }
}
