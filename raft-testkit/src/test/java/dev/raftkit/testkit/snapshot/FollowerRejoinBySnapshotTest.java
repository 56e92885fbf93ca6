package dev.raftkit.testkit.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.NodeStatus;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.kv.KvCommand;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 4: a follower cut off while the others take 10,000 writes with compaction on comes back by
 * installing a snapshot (the entries it missed are gone from the leader's log) and ends with the
 * leader's state.
 */
class FollowerRejoinBySnapshotTest {

    private static final int KEYS = 500;
    private static final int WARM_UP_WRITES = 100;
    private static final int PARTITIONED_WRITES = 10_000;
    private static final int TRAILING_ENTRIES = 50;
    private static final int AFTER_REJOIN_WRITES = 20;

    private LiveCluster<KvCommand, String, StateMachine<KvCommand, String>, NodeListener> cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void followerPartitionedDuringTenThousandWritesRejoinsBySnapshotWithTheLeadersState() throws Exception {
        cluster = LiveCluster.<KvCommand, String>builder(KvCommand.CODEC).name("rejoin").voters(3)
                .tuning(config -> config.snapshotThreshold(500)
                .option("raftkit.snapshot.trailingEntries", Integer.toString(TRAILING_ENTRIES))).build();
        Map<NodeId, RecordingKvStateMachine> machines = new HashMap<>();
        for (NodeId id : cluster.ids()) {
            machines.put(id, new RecordingKvStateMachine());
            cluster.start(id, machines.get(id));
        }
        Node<KvCommand, String> leader = cluster.node(cluster.awaitLeader());
        cluster.writeAll(RecordingKvStateMachine.puts(0, WARM_UP_WRITES, KEYS), 64);
        NodeId lagging = cluster.ids().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow();
        long warmedUp = leader.status().commitIndex();
        cluster.awaitTrue(lagging + " to apply the warm-up writes", Duration.ofSeconds(30),
                () -> cluster.node(lagging).status().appliedIndex() >= warmedUp);

        cluster.network().isolate(lagging);
        long appliedBeforePartition = cluster.node(lagging).status().appliedIndex();
        cluster.writeAll(
                RecordingKvStateMachine.puts(WARM_UP_WRITES, WARM_UP_WRITES + PARTITIONED_WRITES, KEYS), 256);
        Node<KvCommand, String> current = cluster.node(cluster.awaitLeader());
        long compactedThrough = cluster.disk(current.id()).firstIndex() - 1;
        NodeStatus cutOff = cluster.node(lagging).status();
        assertThat(cutOff.appliedIndex()).as("the isolated follower received nothing")
                .isEqualTo(appliedBeforePartition);
        assertThat(compactedThrough).as("the leader compacted away entries the follower lacks")
                .isGreaterThan(cutOff.lastLogIndex());

        cluster.network().heal();
        long target = current.status().commitIndex();
        cluster.awaitTrue(lagging + " to catch up to commit index " + target, Duration.ofSeconds(60),
                () -> cluster.node(lagging).status().appliedIndex() >= target);
        // Replication goes on from the log after the snapshot.
        int total = WARM_UP_WRITES + PARTITIONED_WRITES;
        cluster.writeAll(RecordingKvStateMachine.puts(total, total + AFTER_REJOIN_WRITES, KEYS), 16);
        Node<KvCommand, String> finalLeader = cluster.node(cluster.awaitLeader());
        long finalCommit = finalLeader.status().commitIndex();
        cluster.awaitTrue(lagging + " to apply through " + finalCommit, Duration.ofSeconds(30),
                () -> cluster.node(lagging).status().appliedIndex() >= finalCommit);

        RecordingKvStateMachine laggingMachine = machines.get(lagging);
        int restores = cluster.readLocal(lagging, laggingMachine::restores);
        List<Long> applied = cluster.readLocal(lagging, laggingMachine::appliedIndexes);
        int appliedBeforeRestore = cluster.readLocal(lagging, laggingMachine::appliedBeforeFirstRestore);
        long firstAfterRestore = cluster.readLocal(lagging, laggingMachine::firstAppliedAfterLastRestore);
        NodeStatus rejoined = cluster.node(lagging).status();
        System.out.printf("rejoin: follower applied %d commands before the partition (through index %d), leader "
                        + "compacted through %d, follower restored %d snapshot(s), then applied from index %d; "
                        + "%d commands applied in all for commit index %d; follower %s%n",
                appliedBeforeRestore, appliedBeforePartition, compactedThrough, restores, firstAfterRestore,
                applied.size(), finalCommit, rejoined);

        assertThat(restores).as("snapshots installed by the follower").isGreaterThanOrEqualTo(1);
        assertThat(rejoined.snapshotIndex()).isGreaterThan(appliedBeforePartition);
        assertThat(applied.subList(0, appliedBeforeRestore)).as("applied from the log before the snapshot came")
                .allMatch(index -> index <= appliedBeforePartition);
        assertThat(firstAfterRestore).as("first index applied from the log after the snapshot")
                .isGreaterThan(compactedThrough);
        assertThat(applied.size()).as("commands applied one by one: far fewer than were written")
                .isLessThan(PARTITIONED_WRITES / 2);

        Map<String, String> leaderData = cluster.readLocal(finalLeader.id(), machines.get(finalLeader.id())::data);
        Map<String, String> followerData = cluster.readLocal(lagging, laggingMachine::data);
        assertThat(leaderData).hasSize(KEYS);
        assertThat(followerData).isEqualTo(leaderData);
    }
}
