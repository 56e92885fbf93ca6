package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
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
        cluster = TestCluster.startDefault(3);
        int l = cluster.awaitLeader();
        int f = cluster.followersOf(l).get(0);
        write(l, "before", 20);
        cluster.awaitConverged();
        List<RecordingKv.Applied> beforeStop = cluster.sm(f).applied();

        cluster.stop(f);
        write(l, "while-down", 10);
        long commitAtStart = cluster.disk(f).hardState().commitIndex();
        List<RecordingKv.Applied> committedAtStart = beforeStop.stream()
                .filter(a -> a.index() <= commitAtStart).toList();
        assertThat(committedAtStart).as("entries committed on %s's disk", cluster.id(f)).isNotEmpty();

        // Hold the restarted node's log reads, so replay cannot start before the local read is queued.
        GatedLogStore[] store = new GatedLogStore[1];
        Node<KvCommand, String> restarted = cluster.start(f, memoryStore -> {
            store[0] = new GatedLogStore(memoryStore);
            store[0].holdReads();
            return store[0];
        });
        Await.until("replay waits to read the log", store[0]::readIsHeld);
        RecordingKv sm = cluster.sm(f);
        CompletableFuture<List<RecordingKv.Applied>> localRead = restarted.readLocal(sm::applied);
        store[0].releaseReads();
        assertThat(Await.value(localRead)).as("applies seen by a local read issued before replay")
                .startsWith(committedAtStart.toArray(RecordingKv.Applied[]::new));
        cluster.awaitConverged();
        List<RecordingKv.Applied> replayed = sm.applied();
        assertThat(replayed).extracting(RecordingKv.Applied::index).doesNotHaveDuplicates().isSorted();
        assertThat(replayed).startsWith(beforeStop.toArray(RecordingKv.Applied[]::new)).hasSize(30);
    }

    @Test
    void wholeClusterRestartReplaysEveryCommittedEntryOnceAndGoesOn() {
        cluster = TestCluster.startDefault(3);
        write(cluster.awaitLeader(), "before", 15);
        cluster.awaitConverged();
        List<RecordingKv.Applied> beforeStop = cluster.sm(0).applied();

        for (int i = 0; i < cluster.size(); i++) {
            cluster.stop(i);
        }
        for (int i = 0; i < cluster.size(); i++) {
            cluster.start(i);
        }
        int l = cluster.awaitLeader();
        write(l, "after", 5);
        cluster.awaitConverged();
        for (int i = 0; i < cluster.size(); i++) {
            List<RecordingKv.Applied> replayed = cluster.sm(i).applied();
            assertThat(replayed).as("applies on %s after restart", cluster.id(i)).hasSize(20)
                    .startsWith(beforeStop.toArray(RecordingKv.Applied[]::new));
            assertThat(replayed).extracting(RecordingKv.Applied::index).doesNotHaveDuplicates().isSorted();
            assertThat(replayed.get(15).index()).isGreaterThan(beforeStop.get(14).index());
        }
    }

    /**
     * Writes {@code count} puts through node {@code leader}, each after the previous completed, so
     * each append also carries the commit of the one before: followers persist a recent commit index.
     */
    private void write(int leader, String prefix, int count) {
        for (int n = 0; n < count; n++) {
            assertThat(Await.value(cluster.node(leader).write(KvCommand.put(prefix + n, "v" + n)))).isEqualTo("OK");
        }
    }
}
