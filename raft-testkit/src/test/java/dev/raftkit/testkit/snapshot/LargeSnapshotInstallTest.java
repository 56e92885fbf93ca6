package dev.raftkit.testkit.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.Role;
import dev.raftkit.SnapshotInfo;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.cluster.LiveCluster;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 4: a state machine snapshot of 256 MiB installs on a follower that joins after the log was
 * compacted; the time and throughput of the transfer and install are printed (they are measured,
 * not asserted). The state machine generates its snapshot while streaming it, so the heap holds
 * the snapshot only as the in-memory log stores' copies.
 */
class LargeSnapshotInstallTest {

    private static final long SNAPSHOT_BYTES = 256L << 20;
    /**
     * The state machine's snapshot header takes 16 bytes and the engine's state (an empty session
     * table) 24: the whole snapshot is 256 MiB exactly.
     */
    private static final long GENERATED_BYTES = SNAPSHOT_BYTES - 16 - 24;
    private static final double MIB = 1 << 20;

    private LiveCluster<Long, Long, StateMachine<Long, Long>, NodeListener> cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void snapshotOf256MiBInstallsOnAFollower() throws Exception {
        // Long election timeouts: copying hundreds of MiB may pause a node for a GC longer than the
        // default 150 ms, and a new leader would have no snapshot to send.
        cluster = LiveCluster.<Long, Long>builder(GeneratedStateMachine.CODEC).name("large").voters(3)
                .tuning(config -> config.snapshotThreshold(0)
                .electionTimeoutTicks(100, 200)
                .option("raftkit.snapshot.trailingEntries", "0")).build();
        Map<NodeId, GeneratedStateMachine> machines = new HashMap<>();
        Map<NodeId, SnapshotTrafficTransport> traffic = new HashMap<>();
        List<NodeId> founders = List.of(cluster.id(0), cluster.id(1));
        NodeId joiner = cluster.id(2);
        for (NodeId id : cluster.ids()) {
            machines.put(id, new GeneratedStateMachine(GENERATED_BYTES));
        }
        for (NodeId id : founders) {
            cluster.start(id, machines.get(id), t -> traffic.computeIfAbsent(id, k -> new SnapshotTrafficTransport(t)));
        }
        Node<Long, Long> leader = cluster.node(cluster.awaitLeader());
        cluster.writeAll(LongStream.rangeClosed(1, 10).boxed().toList(), 10);
        long snapshotStarted = System.nanoTime();
        // Only the leader snapshots, to keep the heap small (the memory stores hold every copy).
        SnapshotInfo snapshot = cluster.snapshotAt(leader.status().commitIndex(), List.of(leader.id()))
                .get(leader.id());
        double snapshotSeconds = (System.nanoTime() - snapshotStarted) / 1e9;

        long started = System.nanoTime();
        cluster.start(joiner, machines.get(joiner),
                t -> traffic.computeIfAbsent(joiner, k -> new SnapshotTrafficTransport(t)));
        cluster.awaitTrue("the follower to install snapshot " + snapshot.index(), Duration.ofMinutes(5), () -> {
            if (leader.role() != Role.LEADER) {
                throw new AssertionError("leadership moved during the transfer: the new leader has no snapshot");
            }
            return cluster.node(joiner).status().snapshotIndex() == snapshot.index();
        });
        double seconds = (System.nanoTime() - started) / 1e9;

        long sent = founders.stream().mapToLong(id -> traffic.get(id).bytesSent()).sum();
        long received = traffic.get(joiner).bytesReceived();
        Runtime runtime = Runtime.getRuntime();
        System.out.printf("large snapshot: %.1f MiB (index %d) written by the leader in %.1f s; sent to the new "
                        + "follower and installed (restore included) in %.2f s = %.1f MiB/s; leader sent %.1f MiB, "
                        + "follower received %.1f MiB; heap max %.0f MiB, in use after %.0f MiB%n",
                snapshot.sizeBytes() / MIB, snapshot.index(), snapshotSeconds, seconds,
                snapshot.sizeBytes() / MIB / seconds, sent / MIB, received / MIB, runtime.maxMemory() / MIB,
                (runtime.totalMemory() - runtime.freeMemory()) / MIB);

        assertThat(snapshot.sizeBytes()).isEqualTo(SNAPSHOT_BYTES);
        assertThat(cluster.readLocal(joiner, machines.get(joiner)::restores)).as("snapshots restored").isEqualTo(1);
        assertThat(cluster.readLocal(joiner, machines.get(joiner)::sum)).as("the follower's state").isEqualTo(55L);
        assertThat(received).as("bytes that reached the follower").isBetween(snapshot.sizeBytes(),
                2 * snapshot.sizeBytes());
    }
}
