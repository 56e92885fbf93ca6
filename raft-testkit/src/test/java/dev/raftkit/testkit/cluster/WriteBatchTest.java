package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.BusyException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.testkit.kv.KvCommand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * API.md {@code writeBatch}: all-or-error, appended as one contiguous run of entries, completing
 * with every response in order.
 */
class WriteBatchTest extends ClusterTestBase {


    @Test
    void batchCompletesWithEveryResponseInOrderAtContiguousIndexes() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        List<KvCommand> batch = List.of(KvCommand.put("b", "1"), KvCommand.cas("b", "1", "2"),
                KvCommand.cas("b", "1", "3"), KvCommand.delete("b"), KvCommand.cas("b", "2", "4"),
                KvCommand.put("b", "5"));
        assertThat(Await.value(cluster.node(l).writeBatch(batch)))
                .containsExactly("OK", "true", "false", "OK", "false", "OK");
        List<RecordingKv.Applied> applied = cluster.stateMachine(l).applied();
        assertThat(applied).extracting(RecordingKv.Applied::command).containsExactlyElementsOf(batch);
        long first = applied.get(0).index();
        for (int n = 0; n < applied.size(); n++) {
            assertThat(applied.get(n).index()).as("index of command %d", n).isEqualTo(first + n);
        }
        cluster.awaitConverged(RecordingKv::applied);
    }

    @Test
    void concurrentBatchesAndWritesNeverInterleaveWithinABatch() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        int batches = 20;
        int batchSize = 5;
        List<List<KvCommand>> sent = new ArrayList<>();
        List<CompletableFuture<List<String>>> batchFutures = new ArrayList<>();
        List<CompletableFuture<String>> singles = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<KvCommand> batch = new ArrayList<>();
            for (int n = 0; n < batchSize; n++) {
                batch.add(KvCommand.put("batch" + b + "-" + n, "v"));
            }
            sent.add(batch);
            batchFutures.add(leader.writeBatch(batch));
            singles.add(leader.write(KvCommand.put("single" + b, "v")));
        }
        batchFutures.forEach(f -> assertThat(Await.value(f)).hasSize(batchSize).containsOnly("OK"));
        singles.forEach(f -> assertThat(Await.value(f)).isEqualTo("OK"));
        cluster.awaitConverged(RecordingKv::applied);
        List<RecordingKv.Applied> applied = cluster.stateMachine(l).applied();
        assertThat(applied).hasSize(batches * (batchSize + 1));
        for (List<KvCommand> batch : sent) {
            long first = cluster.stateMachine(l).find(batch.get(0)).orElseThrow().index();
            for (int n = 1; n < batch.size(); n++) {
                assertThat(cluster.stateMachine(l).find(batch.get(n)).orElseThrow().index())
                        .as("%s follows the batch's first entry", batch.get(n)).isEqualTo(first + n);
            }
        }
    }

    @Test
    void rejectedBatchAppliesNothing() {
        cluster = clusterOf(3).tuning(c -> c.maxInflightWrites(4)).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        NodeId f = cluster.followersOf(l).get(0);
        List<KvCommand> onFollower = List.of(KvCommand.put("nf1", "v"), KvCommand.put("nf2", "v"));
        Await.failure(cluster.node(f).writeBatch(onFollower), NotLeaderException.class);
        List<KvCommand> withNull = Arrays.asList(KvCommand.put("nn1", "v"), null);
        Await.failure(cluster.node(l).writeBatch(withNull), NullPointerException.class);

        cluster.stateMachine(l).hold();
        CompletableFuture<List<String>> pending = cluster.node(l).writeBatch(
                List.of(KvCommand.put("held1", "v"), KvCommand.put("held2", "v"), KvCommand.put("held3", "v")));
        Await.until("the held batch reaches apply", cluster.stateMachine(l)::applyIsHeld);
        List<KvCommand> tooMany = List.of(KvCommand.put("busy1", "v"), KvCommand.put("busy2", "v"));
        CompletableFuture<List<String>> busy = cluster.node(l).writeBatch(tooMany);
        assertThat(busy).as("fails fast").isCompletedExceptionally();
        Await.failure(busy, BusyException.class);
        cluster.stateMachine(l).release();
        assertThat(Await.value(pending)).containsExactly("OK", "OK", "OK");

        Await.value(cluster.node(l).write(KvCommand.put("barrier", "v")));
        cluster.awaitConverged(RecordingKv::applied);
        for (NodeId i : cluster.ids()) {
            assertThat(cluster.stateMachine(i).applied()).extracting(RecordingKv.Applied::command)
                    .doesNotContainAnyElementsOf(onFollower).doesNotContainAnyElementsOf(tooMany)
                    .doesNotContain(KvCommand.put("nn1", "v"));
        }
    }

    @Test
    void emptyOrNullBatchIsABadArgument() {
        cluster = clusterOf(3).build().startAll();
        Node<KvCommand, String> leader = cluster.node(cluster.awaitAgreedLeader());
        assertThatThrownBy(() -> leader.writeBatch(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one command");
        assertThatThrownBy(() -> leader.writeBatch(null)).isInstanceOf(NullPointerException.class);
    }
}
