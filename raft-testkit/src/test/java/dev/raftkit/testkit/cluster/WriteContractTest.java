package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Role;
import dev.raftkit.ShutdownException;
import dev.raftkit.testkit.kv.KvCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * API.md "Write contract" on a 3-node cluster over the memory providers: a write completes with
 * its own apply's response after commit, every node applies the same command at the same index,
 * {@code propose} is {@code write}, and reads see what they must.
 */
class WriteContractTest {

    @RegisterExtension
    final RaftClusterExtension<KvCommand, String, RecordingKv, RecordingListener> raft = ClusterTestBase.extension();

    @Test
    void writeCompletesWithItsApplyResponseOnceCommittedAndApplied(
            LiveCluster<KvCommand, String, RecordingKv, RecordingListener> cluster) {
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        RecordingKv sm = cluster.stateMachine(l);
        // Responses differ by command and state, so each one can only be its own apply's.
        List<KvCommand> commands = List.of(KvCommand.put("k", "1"), KvCommand.cas("k", "1", "2"),
                KvCommand.cas("k", "1", "3"), KvCommand.delete("k"), KvCommand.cas("k", "2", "4"),
                KvCommand.put("k", "5"), KvCommand.cas("k", "5", "6"));
        List<String> expected = List.of("OK", "true", "false", "OK", "false", "OK", "true");
        long previousIndex = 0;
        for (int n = 0; n < commands.size(); n++) {
            KvCommand command = commands.get(n);
            // Runs when the future completes: the apply must already have run on this node.
            CompletableFuture<Optional<RecordingKv.Applied>> seenAtCompletion =
                    leader.write(command).thenApply(response -> sm.find(command)
                            .filter(a -> a.response().equals(response)));
            RecordingKv.Applied applied = Await.value(seenAtCompletion).orElseThrow(
                    () -> new AssertionError("write of " + command + " completed before its apply ran"));
            assertThat(applied.response()).as("response of %s", command).isEqualTo(expected.get(n));
            assertThat(applied.index()).as("the next log entry").isGreaterThan(previousIndex);
            NodeStatus status = leader.status();
            assertThat(status.commitIndex()).isGreaterThanOrEqualTo(applied.index());
            assertThat(status.appliedIndex()).isGreaterThanOrEqualTo(applied.index());
            previousIndex = applied.index();
        }
        assertThat(sm.applied()).extracting(RecordingKv.Applied::command).containsExactlyElementsOf(commands);
    }

    @Test
    void everyNodeAppliesTheSameCommandAtTheSameIndex(
            LiveCluster<KvCommand, String, RecordingKv, RecordingListener> cluster) throws Exception {
        Node<KvCommand, String> leader = cluster.node(cluster.awaitAgreedLeader());
        int writers = 4;
        int perWriter = 25;
        Map<String, String> expected = new TreeMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int n = 0; n < perWriter; n++) {
                        assertThat(Await.value(leader.write(KvCommand.put("w" + writer + "-" + n, "v" + n))))
                                .isEqualTo("OK");
                    }
                }));
                for (int n = 0; n < perWriter; n++) {
                    expected.put("w" + w + "-" + n, "v" + n);
                }
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        cluster.awaitConverged(RecordingKv::applied);
        List<RecordingKv.Applied> reference = cluster.stateMachine(cluster.id(0)).applied();
        assertThat(reference).hasSize(writers * perWriter);
        assertThat(reference).extracting(RecordingKv.Applied::index).doesNotHaveDuplicates().isSorted();
        for (NodeId i : cluster.ids()) {
            assertThat(cluster.stateMachine(i).applied()).as("applies on %s", i).isEqualTo(reference);
            assertThat(Await.value(cluster.node(i).readLocal(() -> cluster.stateMachine(i).kv().snapshotOfData())))
                    .as("state of %s", i).isEqualTo(expected);
        }
    }

    @Test
    @SuppressWarnings("removal")
    void proposeBehavesExactlyAsWrite(
            LiveCluster<KvCommand, String, RecordingKv, RecordingListener> cluster) {
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        NodeId f = cluster.followersOf(l).get(0);

        KvCommand put = KvCommand.put("p", "1");
        assertThat(Await.value(leader.propose(put))).isEqualTo("OK");
        KvCommand cas = KvCommand.cas("p", "1", "2");
        assertThat(Await.value(leader.propose(cas))).isEqualTo("true");
        assertThat(Await.value(leader.write(KvCommand.cas("p", "1", "3")))).isEqualTo("false");
        RecordingKv.Applied applied = cluster.stateMachine(l).find(cas).orElseThrow();
        assertThat(applied.response()).isEqualTo("true");
        assertThat(leader.status().commitIndex()).isGreaterThanOrEqualTo(applied.index());

        NotLeaderException byPropose = Await.failure(cluster.node(f).propose(KvCommand.put("p", "x")),
                NotLeaderException.class);
        NotLeaderException byWrite = Await.failure(cluster.node(f).write(KvCommand.put("p", "y")),
                NotLeaderException.class);
        assertThat(byPropose.leaderHint()).isEqualTo(byWrite.leaderHint()).contains(l);
        assertThat(byPropose.leaderAddress()).isEqualTo(byWrite.leaderAddress());

        cluster.stop(f);
        Await.failure(cluster.lastNode(f).propose(KvCommand.put("p", "z")), ShutdownException.class);
        Await.failure(cluster.lastNode(f).write(KvCommand.put("p", "z")), ShutdownException.class);
    }

    @Test
    void readLinearizableObservesEveryWriteCompletedBeforeIt(
            LiveCluster<KvCommand, String, RecordingKv, RecordingListener> cluster) {
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        RecordingKv sm = cluster.stateMachine(l);
        for (int n = 0; n < 30; n++) {
            Await.value(leader.write(KvCommand.put("r", "v" + n)));
            assertThat(Await.value(leader.readLinearizable(() -> sm.kv().get("r")))).contains("v" + n);
        }
        // Writes completed by other writers, concurrently, are observed too.
        List<CompletableFuture<String>> writes = new ArrayList<>();
        for (int n = 0; n < 20; n++) {
            writes.add(leader.write(KvCommand.put("c" + n, "x")));
        }
        writes.forEach(Await::value);
        Map<String, String> seen = Await.value(leader.readLinearizable(() -> sm.kv().snapshotOfData()));
        for (int n = 0; n < 20; n++) {
            assertThat(seen).containsEntry("c" + n, "x");
        }
    }

    @Test
    void readLocalIsServedOnFollowers(
            LiveCluster<KvCommand, String, RecordingKv, RecordingListener> cluster) {
        NodeId l = cluster.awaitAgreedLeader();
        Await.value(cluster.node(l).write(KvCommand.put("f", "1")));
        for (NodeId f : cluster.followersOf(l)) {
            Node<KvCommand, String> follower = cluster.node(f);
            RecordingKv sm = cluster.stateMachine(f);
            assertThat(follower.role()).isEqualTo(Role.FOLLOWER);
            Await.until(f + " reads the write locally",
                    () -> Await.value(follower.readLocal(() -> sm.kv().get("f"))).isPresent());
            assertThat(Await.value(follower.readLocal(() -> sm.kv().get("f")))).contains("1");
        }
    }
}
