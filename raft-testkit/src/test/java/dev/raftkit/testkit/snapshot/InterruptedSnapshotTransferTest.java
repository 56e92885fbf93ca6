package dev.raftkit.testkit.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.SnapshotInfo;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.cluster.LiveCluster;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 4: a snapshot transfer cut off three times completes, and each time resumes from where the
 * follower got to instead of starting over, so the data sent stays close to one snapshot's size.
 * A network delay makes the transfer last long enough to cut it at a quarter, half and three
 * quarters of the way.
 */
class InterruptedSnapshotTransferTest {

    private static final long GENERATED_BYTES = 48L << 20;
    private static final int CHUNK_BYTES = 256 * 1024;
    /** The leader keeps at most this many bytes unacknowledged (SnapshotSender: four chunks). */
    private static final long WINDOW_BYTES = 4L * CHUNK_BYTES;
    private static final int INTERRUPTIONS = 3;
    private static final Duration ONE_WAY_DELAY = Duration.ofMillis(10);
    private static final Duration CUT_OFF_FOR = Duration.ofMillis(500);

    private LiveCluster<Long, Long, StateMachine<Long, Long>, NodeListener> cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void transferInterruptedThreeTimesResumesAndCompletes() throws Exception {
        cluster = LiveCluster.<Long, Long>builder(GeneratedStateMachine.CODEC).name("resume").voters(3)
                .tuning(config -> config.snapshotThreshold(0)
                .option("raftkit.snapshot.trailingEntries", "0")
                .option("raftkit.snapshot.chunkBytes", Integer.toString(CHUNK_BYTES))).build();
        Map<NodeId, SnapshotTrafficTransport> traffic = new HashMap<>();
        Map<NodeId, GeneratedStateMachine> machines = new HashMap<>();
        for (NodeId id : cluster.ids()) {
            machines.put(id, new GeneratedStateMachine(GENERATED_BYTES));
        }
        List<NodeId> founders = List.of(cluster.id(0), cluster.id(1));
        NodeId joiner = cluster.id(2);
        for (NodeId id : founders) {
            cluster.start(id, machines.get(id), t -> traffic.computeIfAbsent(id, k -> new SnapshotTrafficTransport(t)));
        }
        Node<Long, Long> leader = cluster.node(cluster.awaitLeader());
        cluster.writeAll(LongStream.rangeClosed(1, 10).boxed().toList(), 10);
        SnapshotInfo snapshot = cluster.snapshotAt(leader.status().commitIndex(), founders).get(leader.id());
        long size = snapshot.sizeBytes();

        cluster.network().delay(ONE_WAY_DELAY, ONE_WAY_DELAY);
        long started = System.nanoTime();
        cluster.start(joiner, machines.get(joiner),
                t -> traffic.computeIfAbsent(joiner, k -> new SnapshotTrafficTransport(t)));
        SnapshotTrafficTransport follower = traffic.get(joiner);
        long[] cutAt = new long[INTERRUPTIONS];
        int[] chunksBeforeHeal = new int[INTERRUPTIONS];
        for (int i = 0; i < INTERRUPTIONS; i++) {
            long progress = size * (i + 1) / (INTERRUPTIONS + 1);
            cluster.awaitTrue("the follower to acknowledge " + progress + " bytes", Duration.ofSeconds(60),
                    () -> follower.highestAck() >= progress);
            cluster.network().isolate(joiner);
            cutAt[i] = follower.highestAck();
            Thread.sleep(CUT_OFF_FOR.toMillis());
            chunksBeforeHeal[i] = follower.offsetsReceived().size();
            cluster.network().heal();
        }
        cluster.awaitTrue("the follower to install snapshot " + snapshot.index(), Duration.ofSeconds(120),
                () -> cluster.node(joiner).status().snapshotIndex() == snapshot.index());
        double seconds = (System.nanoTime() - started) / 1e9;

        List<Long> offsets = follower.offsetsReceived();
        long[] resumedAt = new long[INTERRUPTIONS];
        for (int i = 0; i < INTERRUPTIONS; i++) {
            resumedAt[i] = offsets.get(chunksBeforeHeal[i]);
        }
        // Whoever led sent the chunks (normally one leader throughout).
        long sent = founders.stream().mapToLong(id -> traffic.get(id).bytesSent()).sum();
        long chunksSent = founders.stream().mapToLong(id -> traffic.get(id).chunksSent()).sum();
        long received = follower.bytesReceived();
        // At each cut the chunks in flight (one window) are lost, and the leader may resend up to a
        // window it had already sent before it hears where the follower is.
        long resumeBound = size + INTERRUPTIONS * 2 * WINDOW_BYTES;
        // A transfer that restarted would resend everything before each cut.
        long restartCost = size + LongStream.of(cutAt).sum();
        System.out.printf("interrupted transfer: snapshot of %d bytes in %d-byte chunks (window %d) cut at acked "
                        + "offsets %s, resumed at offsets %s; leader sent %d chunks = %d bytes (%.2fx), follower "
                        + "received %d chunks = %d bytes (%.2fx); resuming bound %d bytes (%.2fx), restarting "
                        + "would cost >= %d bytes (%.2fx); done in %.1f s%n",
                size, CHUNK_BYTES, WINDOW_BYTES, Arrays.toString(cutAt), Arrays.toString(resumedAt),
                chunksSent, sent, (double) sent / size, offsets.size(), received,
                (double) received / size, resumeBound, (double) resumeBound / size, restartCost,
                (double) restartCost / size, seconds);

        assertThat(cluster.readLocal(joiner, machines.get(joiner)::restores)).as("snapshots restored").isEqualTo(1);
        assertThat(cluster.readLocal(joiner, machines.get(joiner)::sum)).as("the follower's state").isEqualTo(55L);
        for (int i = 0; i < INTERRUPTIONS; i++) {
            assertThat(resumedAt[i]).as("offset of the first chunk after heal %d, cut at %d", i + 1, cutAt[i])
                    .isGreaterThanOrEqualTo(cutAt[i] - WINDOW_BYTES);
        }
        assertThat(offsets.subList(chunksBeforeHeal[0], offsets.size())).as("offsets received after the first cut")
                .doesNotContain(0L);
        // Generous: a quarter of the snapshot of slack for chunks resent when acks stall for a
        // heartbeat interval on a loaded machine; still far below what a restart costs (>= 2.5x).
        assertThat(received).as("bytes that reached the follower").isLessThan(resumeBound + size / 4);
        assertThat(sent).as("bytes the leader sent").isLessThan(resumeBound + size / 4);
    }
}
