package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.testkit.kv.KvCommand;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * API.md batching ({@code maxBatchDelayTicks > 0}): concurrent writes share appends, and each
 * caller still gets its own response when its entry applies.
 */
class BatchingTest extends ClusterTestBase {


    @Test
    void manyConcurrentWritersGetTheirOwnResponsesFromFewerAppends() throws Exception {
        cluster = clusterOf(3).tuning(c -> c.maxBatchDelayTicks(1)).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        int writers = 8;
        int perWriter = 50;
        // Each writer runs a compare-and-set chain on its own key, so responses depend on order.
        Map<KvCommand, CompletableFuture<String>> writes = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> submitted = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String key = "w" + w;
                submitted.add(pool.submit(() -> {
                    for (int n = 0; n < perWriter; n++) {
                        KvCommand command = n == 0 ? KvCommand.put(key, "0")
                                : KvCommand.cas(key, String.valueOf(n - 1), String.valueOf(n));
                        writes.put(command, leader.write(command));
                    }
                }));
            }
            for (Future<?> f : submitted) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(writes).hasSize(writers * perWriter);
        RecordingKv sm = cluster.stateMachine(l);
        writes.forEach((command, future) -> {
            String response = Await.value(future);
            assertThat(sm.find(command)).as("apply of %s", command).map(RecordingKv.Applied::response)
                    .contains(response);
        });
        cluster.awaitConverged(RecordingKv::applied);
        assertThat(sm.applied()).hasSize(writers * perWriter);

        for (NodeId f : cluster.followersOf(l)) {
            assertThat(transport(l).appendsWithEntries(f))
                    .as("appends with entries sent to %s", f).isPositive()
                    .isLessThan(writers * perWriter);
        }
        assertThat(transport(l).mostEntriesInOneAppend()).isGreaterThan(1);
    }

    @Test
    void anIdleLeaderSendsAWriteAtOnceWhateverTheDelay() {
        cluster = clusterOf(3).tuning(c -> c.maxBatchDelayTicks(100_000).maxBatchEntries(64)).build().startAll();
        Node<KvCommand, String> leader = cluster.node(cluster.awaitAgreedLeader());
        // Nothing is being made durable, so holding the write would only add latency.
        assertThat(Await.value(leader.write(KvCommand.put("k", "v")))).isEqualTo("OK");
    }

    @Test
    void writesHeldBehindAnAppendGoOutTogetherOnceMaxBatchEntriesAreBuffered() {
        // The delay alone would hold writes for 1000 s: only the entry count can flush them.
        int entries = 4;
        cluster = clusterOf(3).tuning(c -> c.maxBatchDelayTicks(100_000).maxBatchEntries(entries)).build();
        Map<NodeId, GatedLogStore> stores = new HashMap<>();
        for (NodeId id : cluster.ids()) {
            cluster.startWithStore(id, store -> stores.computeIfAbsent(id, k -> new GatedLogStore(store)));
        }
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        NodeId follower = cluster.followersOf(l).get(0);
        InstrumentedTransport transport = transport(l);
        // A completed write first: the term's no-op and this write are sent, acknowledged and durable.
        assertThat(Await.value(leader.write(KvCommand.put("warm-up", "v")))).isEqualTo("OK");
        long idle = transport.appendsWithEntries(follower);
        stores.get(l).holdPersists(); // the leader's next append stays in flight
        List<CompletableFuture<String>> writes = new ArrayList<>();
        writes.add(leader.write(KvCommand.put("k0", "v"))); // goes at once: nothing was in flight
        Await.until("the first write went out", () -> transport.appendsWithEntries(follower) > idle);
        long appendsBefore = transport.appendsWithEntries(follower);
        for (int n = 1; n < entries; n++) {
            writes.add(leader.write(KvCommand.put("k" + n, "v")));
        }
        Await.sleep(300);
        assertThat(transport.appendsWithEntries(follower)).as("held while the batch is not full")
                .isEqualTo(appendsBefore);

        writes.add(leader.write(KvCommand.put("k" + entries, "v")));
        Await.until("the full batch went out as one append", () -> transport.mostEntriesInOneAppend() >= entries);
        stores.get(l).releasePersists();
        writes.forEach(w -> assertThat(Await.value(w)).isEqualTo("OK"));
        List<RecordingKv.Applied> applied = cluster.stateMachine(l).applied();
        assertThat(applied).hasSize(entries + 2); // the warm-up, then k0..k4 in consecutive entries
        for (int n = 2; n <= entries + 1; n++) {
            assertThat(applied.get(n).index()).isEqualTo(applied.get(1).index() + n - 1);
        }
    }
}
