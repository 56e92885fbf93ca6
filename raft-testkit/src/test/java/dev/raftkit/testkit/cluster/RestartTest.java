package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.testkit.kv.KvCommand;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Restart with the same memory data directory: a node rebuilds its state from its log store,
 * re-applies its committed entries exactly once, and serves no local read before replay reached
 * the commit index it knew at start.
 */
class RestartTest extends ClusterTestBase {


    @Test
    void restartedFollowerReplaysCommittedEntriesOnceBeforeServingLocalReads() {
        cluster = clusterOf(3).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        NodeId f = cluster.followersOf(l).get(0);
        write(l, "before", 20);
        cluster.awaitConverged(RecordingKv::applied);
        List<RecordingKv.Applied> beforeStop = cluster.stateMachine(f).applied();

        cluster.stop(f);
        write(l, "while-down", 10);
        long commitAtStart = cluster.disk(f).hardState().commitIndex();
        List<RecordingKv.Applied> committedAtStart = beforeStop.stream()
                .filter(a -> a.index() <= commitAtStart).toList();
        assertThat(committedAtStart).as("entries committed on %s's disk", f).isNotEmpty();

        // Hold the restarted node's log reads, so replay cannot start before the local read is queued.
        GatedLogStore[] store = new GatedLogStore[1];
        Node<KvCommand, String> restarted = cluster.startWithStore(f, memoryStore -> {
            store[0] = new GatedLogStore(memoryStore);
            store[0].holdReads();
            return store[0];
        });
        Await.until("replay waits to read the log", store[0]::readIsHeld);
        RecordingKv sm = cluster.stateMachine(f);
        CompletableFuture<List<RecordingKv.Applied>> localRead = restarted.readLocal(sm::applied);
        store[0].releaseReads();
        assertThat(Await.value(localRead)).as("applies seen by a local read issued before replay")
                .startsWith(committedAtStart.toArray(RecordingKv.Applied[]::new));
        cluster.awaitConverged(RecordingKv::applied);
        List<RecordingKv.Applied> replayed = sm.applied();
        assertThat(replayed).extracting(RecordingKv.Applied::index).doesNotHaveDuplicates().isSorted();
        assertThat(replayed).startsWith(beforeStop.toArray(RecordingKv.Applied[]::new)).hasSize(30);
    }

    @Test
    void wholeClusterRestartReplaysEveryCommittedEntryOnceAndGoesOn() {
        cluster = clusterOf(3).build().startAll();
        write(cluster.awaitAgreedLeader(), "before", 15);
        cluster.awaitConverged(RecordingKv::applied);
        List<RecordingKv.Applied> beforeStop = cluster.stateMachine(cluster.id(0)).applied();

        for (NodeId i : cluster.ids()) {
            cluster.stop(i);
        }
        for (NodeId i : cluster.ids()) {
            cluster.start(i);
        }
        NodeId l = cluster.awaitAgreedLeader();
        write(l, "after", 5);
        cluster.awaitConverged(RecordingKv::applied);
        for (NodeId i : cluster.ids()) {
            List<RecordingKv.Applied> replayed = cluster.stateMachine(i).applied();
            assertThat(replayed).as("applies on %s after restart", i).hasSize(20)
                    .startsWith(beforeStop.toArray(RecordingKv.Applied[]::new));
            assertThat(replayed).extracting(RecordingKv.Applied::index).doesNotHaveDuplicates().isSorted();
            assertThat(replayed.get(15).index()).isGreaterThan(beforeStop.get(14).index());
        }
    }

    /**
     * Writes {@code count} puts through node {@code leader}, each after the previous completed, so
     * each append also carries the commit of the one before: followers persist a recent commit index.
     */
    private void write(NodeId leader, String prefix, int count) {
        for (int n = 0; n < count; n++) {
            assertThat(Await.value(cluster.node(leader).write(KvCommand.put(prefix + n, "v" + n)))).isEqualTo("OK");
        }
    }
}
