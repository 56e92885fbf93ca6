package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.BusyException;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Role;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.memory.MemoryNetwork;
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
        cluster = TestCluster.startDefault(3);
        int l = cluster.awaitLeader();
        for (int f : cluster.followersOf(l)) {
            Node<KvCommand, String> follower = cluster.node(f);
            List<CompletableFuture<?>> calls = List.of(
                    follower.write(KvCommand.put("nl", "1")),
                    follower.writeBatch(List.of(KvCommand.put("nl", "2"))),
                    follower.readLinearizable(() -> "read"));
            for (CompletableFuture<?> call : calls) {
                NotLeaderException e = Await.failure(call, NotLeaderException.class);
                assertThat(e.leaderHint()).contains(cluster.id(l));
                assertThat(e.leaderAddress()).contains(cluster.members().get(cluster.id(l)));
            }
        }
        Await.value(cluster.node(l).write(KvCommand.put("barrier", "v")));
        cluster.awaitConverged();
        assertThat(cluster.sm(l).applied()).extracting(RecordingKv.Applied::command)
                .containsExactly(KvCommand.put("barrier", "v"));
    }

    @Test
    void followerThatKnowsNoLeaderAnswersNoLeader() {
        // One member of three, with an election timeout far beyond the test: it stays a follower.
        cluster = TestCluster.create(3, c -> c.tickInterval(Duration.ofMillis(10)).electionTimeoutTicks(60_000, 60_001));
        Node<KvCommand, String> lonely = cluster.start(0);
        assertThat(lonely.role()).isEqualTo(Role.FOLLOWER);
        assertThat(lonely.leader()).isEmpty();
        assertNoLeader(lonely);
        assertThat(lonely.role()).isEqualTo(Role.FOLLOWER);
    }

    @ParameterizedTest(name = "preVote={0}")
    @ValueSource(booleans = {true, false})
    void campaigningNodeAnswersNoLeader(boolean preVote) {
        // One member of three cannot win: it campaigns for ever, as pre-candidate or candidate.
        cluster = TestCluster.create(3, c -> c.preVote(preVote).electionTimeoutTicks(5, 10));
        Node<KvCommand, String> lonely = cluster.start(0);
        Role campaigning = preVote ? Role.PRE_CANDIDATE : Role.CANDIDATE;
        Await.until(cluster.id(0) + " campaigns as " + campaigning, () -> lonely.role() == campaigning);
        assertNoLeader(lonely);
        assertThat(lonely.role()).isEqualTo(campaigning);
        assertThat(lonely.status().leader()).isEmpty();
    }

    @Test
    void nodeCutOffFromEveryoneLosesItsLeaderAndAnswersNoLeader() {
        cluster = TestCluster.startDefault(3);
        int l = cluster.awaitLeader();
        int f = cluster.followersOf(l).get(0);
        MemoryNetwork.shared().isolate(cluster.id(f));
        Node<KvCommand, String> cutOff = cluster.node(f);
        Await.until(cluster.id(f) + " forgets the leader", () -> cutOff.leader().isEmpty());
        assertNoLeader(cutOff);
        assertThat(cutOff.role()).isIn(Role.FOLLOWER, Role.PRE_CANDIDATE);
        // The majority side goes on; once healed the node follows again and rejects with a hint.
        Await.value(cluster.node(l).write(KvCommand.put("k", "v")));
        MemoryNetwork.shared().heal();
        Await.until(cluster.id(f) + " knows the leader again", () -> cutOff.leader().isPresent());
        assertThat(Await.failure(cutOff.write(KvCommand.put("k", "w")), NotLeaderException.class).leaderHint())
                .isEqualTo(cutOff.leader());
    }

    private static void assertNoLeader(Node<KvCommand, String> node) {
        Await.failure(node.write(KvCommand.put("k", "v")), NoLeaderException.class);
        Await.failure(node.writeBatch(List.of(KvCommand.put("k", "v"))), NoLeaderException.class);
        Await.failure(node.readLinearizable(() -> "read"), NoLeaderException.class);
    }

    @Test
    void writesBeyondMaxInflightWritesFailFastWithBusy() {
        int max = 3;
        cluster = TestCluster.create(3, c -> c.maxInflightWrites(max)).startAll();
        int l = cluster.awaitLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        cluster.sm(l).hold();
        List<CompletableFuture<String>> inFlight = new ArrayList<>();
        for (int n = 0; n < max; n++) {
            inFlight.add(leader.write(KvCommand.put("in" + n, "v")));
        }
        Await.until("a write is held at apply", cluster.sm(l)::applyIsHeld);

        CompletableFuture<String> busy = leader.write(KvCommand.put("over", "v"));
        assertThat(busy).as("fails fast, before any consensus").isCompletedExceptionally();
        assertThat(Await.failure(busy, BusyException.class)).hasMessageContaining("maxInflightWrites");
        Await.failure(leader.writeBatch(List.of(KvCommand.put("over", "b"))), BusyException.class);
        inFlight.forEach(w -> assertThat(w).isNotDone());

        cluster.sm(l).release();
        inFlight.forEach(w -> assertThat(Await.value(w)).isEqualTo("OK"));
        // Room again: exactly max writes fit once the earlier ones completed.
        assertThat(Await.value(leader.writeBatch(List.of(KvCommand.put("a", "v"), KvCommand.put("b", "v"),
                KvCommand.put("c", "v"))))).containsExactly("OK", "OK", "OK");
        assertThat(cluster.sm(l).applied()).extracting(RecordingKv.Applied::command)
                .doesNotContain(KvCommand.put("over", "v"), KvCommand.put("over", "b"));
    }
}
