package dev.raftkit.testkit.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.SnapshotInfo;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, restart and explicit snapshots: a node restarted on its data after a snapshot and
 * compaction restores the snapshot, then replays only the log after it;
 * {@code node.snapshot()} reports what {@code status()} shows; {@code snapshotThreshold = 0} never
 * snapshots.
 */
class SnapshotRestartTest {

    private static final int KEYS = 50;
    private static final int TRAILING_ENTRIES = 10;

    private LiveCluster<KvCommand, String, StateMachine<KvCommand, String>, NodeListener> cluster;
    private final Map<NodeId, RecordingKvStateMachine> machines = new HashMap<>();

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void restartedNodeRestoresItsLatestSnapshotThenReplaysOnlyTheLogAfterIt() throws Exception {
        startCluster("restart", 0, TRAILING_ENTRIES);
        Node<KvCommand, String> leader = cluster.node(cluster.awaitLeader());
        cluster.writeAll(RecordingKvStateMachine.puts(0, 300, KEYS), 32);
        NodeId restarted = follower(leader);
        awaitApplied(restarted, leader.status().commitIndex());
        long snapshotIndex = cluster.await(cluster.node(restarted).snapshot(), Duration.ofSeconds(30)).index();
        cluster.writeAll(RecordingKvStateMachine.puts(300, 350, KEYS), 32);
        long last = awaitApplied(restarted, leader.status().commitIndex());

        RecordingKvStateMachine first = machines.get(restarted);
        List<Long> appliedBefore = cluster.readLocal(restarted, first::appliedIndexes);
        Map<String, String> dataBefore = cluster.readLocal(restarted, first::data);
        long firstIndex = cluster.disk(restarted).firstIndex();
        assertThat(firstIndex).as("first log index: compacted up to the trailing entries")
                .isEqualTo(snapshotIndex - TRAILING_ENTRIES + 1);

        cluster.stop(restarted);
        RecordingKvStateMachine second = new RecordingKvStateMachine();
        machines.put(restarted, second);
        cluster.start(restarted, second);
        awaitApplied(restarted, last);

        int restores = cluster.readLocal(restarted, second::restores);
        int appliedBeforeRestore = cluster.readLocal(restarted, second::appliedBeforeFirstRestore);
        List<Long> replayed = cluster.readLocal(restarted, second::appliedIndexes).stream()
                .filter(index -> index <= last).toList();
        List<Long> expected = appliedBefore.stream().filter(index -> index > snapshotIndex).toList();
        System.out.printf("restart: snapshot at %d, log kept from %d to %d; before the restart %d commands were "
                        + "applied, after it %d restore(s) then %d commands replayed (indexes %d..%d)%n",
                snapshotIndex, firstIndex, last, appliedBefore.size(), restores, replayed.size(),
                replayed.isEmpty() ? -1 : replayed.get(0),
                replayed.isEmpty() ? -1 : replayed.get(replayed.size() - 1));

        assertThat(restores).as("snapshots restored at start").isEqualTo(1);
        assertThat(appliedBeforeRestore).as("commands applied before the snapshot was restored").isZero();
        assertThat(replayed).as("commands replayed after the snapshot: exactly those after its index")
                .isNotEmpty().isEqualTo(expected);
        assertThat(cluster.readLocal(restarted, second::data)).isEqualTo(dataBefore).hasSize(KEYS);
    }

    @Test
    void snapshotReturnsTheSnapshotThatStatusReports() throws Exception {
        startCluster("explicit", 0, 0);
        Node<KvCommand, String> leader = cluster.node(cluster.awaitLeader());
        cluster.writeAll(RecordingKvStateMachine.puts(0, 120, KEYS), 16);
        for (NodeId id : List.of(leader.id(), follower(leader))) {
            Node<KvCommand, String> node = cluster.node(id);
            long applied = awaitApplied(id, leader.status().commitIndex());
            SnapshotInfo info = cluster.await(node.snapshot(), Duration.ofSeconds(30));
            cluster.awaitTrue(id + " to report snapshot " + info.index(), Duration.ofSeconds(10),
                    () -> node.status().snapshotIndex() == info.index());
            Map<String, String> data = cluster.readLocal(id, machines.get(id)::data);

            assertThat(info.index()).as(id + " snapshot index").isEqualTo(applied);
            assertThat(info.term()).as(id + " snapshot term").isEqualTo(leader.status().term());
            assertThat(info.sizeBytes()).as(id + " snapshot size").isEqualTo(snapshotSize(data));
            assertThat(cluster.await(node.snapshot(), Duration.ofSeconds(30)))
                    .as(id + " snapshot again with nothing applied since").isEqualTo(info);
            System.out.printf("explicit snapshot on %s: %s, status %s%n", id, info, node.status());
        }
    }

    @Test
    void thresholdZeroNeverSnapshotsAndARestartReplaysTheWholeLog() throws Exception {
        startCluster("never", 0, 0);
        Node<KvCommand, String> leader = cluster.node(cluster.awaitLeader());
        cluster.writeAll(RecordingKvStateMachine.puts(0, 1500, KEYS), 64);
        long commit = leader.status().commitIndex();
        for (NodeId id : cluster.ids()) {
            awaitApplied(id, commit);
            assertThat(cluster.node(id).status().snapshotIndex()).as(id + " snapshot index").isZero();
            assertThat(cluster.readLocal(id, machines.get(id)::snapshotsWritten)).as(id + " snapshots written")
                    .isZero();
            assertThat(cluster.disk(id).firstIndex()).as(id + " first log index").isEqualTo(1);
        }

        NodeId restarted = follower(leader);
        List<Long> appliedBefore = cluster.readLocal(restarted, machines.get(restarted)::appliedIndexes);
        cluster.stop(restarted);
        RecordingKvStateMachine second = new RecordingKvStateMachine();
        machines.put(restarted, second);
        cluster.start(restarted, second);
        awaitApplied(restarted, commit);
        assertThat(cluster.readLocal(restarted, second::restores)).as("snapshots restored").isZero();
        assertThat(cluster.readLocal(restarted, second::appliedIndexes).stream().filter(i -> i <= commit).toList())
                .as("commands replayed from index 1").isEqualTo(appliedBefore);
    }

    private void startCluster(String name, long snapshotThreshold, int trailingEntries) {
        cluster = LiveCluster.<KvCommand, String>builder(KvCommand.CODEC).name(name).voters(3)
                .tuning(config -> config.snapshotThreshold(snapshotThreshold)
                .option("raftkit.snapshot.trailingEntries", Integer.toString(trailingEntries))).build();
        for (NodeId id : cluster.ids()) {
            machines.put(id, new RecordingKvStateMachine());
            cluster.start(id, machines.get(id));
        }
    }

    private NodeId follower(Node<KvCommand, String> leader) {
        return cluster.ids().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow();
    }

    /** Waits until {@code id} applied {@code index}, and returns what it applied. */
    private long awaitApplied(NodeId id, long index) {
        cluster.awaitTrue(id + " to apply through " + index, Duration.ofSeconds(30),
                () -> cluster.node(id).status().appliedIndex() >= index);
        return cluster.node(id).status().appliedIndex();
    }

    /**
     * Returns the size of a node's snapshot whose {@link KvStateMachine} holds {@code data}: the
     * engine's state (an empty session table, 24 bytes), then the state machine's.
     */
    private static long snapshotSize(Map<String, String> data) throws IOException {
        KvStateMachine copy = new KvStateMachine();
        data.forEach((key, value) -> copy.apply(0, KvCommand.put(key, value)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy.writeSnapshot(out);
        return 24 + out.size();
    }
}
