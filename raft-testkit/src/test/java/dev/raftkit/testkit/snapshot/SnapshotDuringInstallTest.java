package dev.raftkit.testkit.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.kv.KvCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A follower whose state machine is still writing its own snapshot when a newer snapshot from the
 * leader installs: the older local snapshot must not replace the installed one, and the follower
 * must end with the leader's state, also after a restart.
 */
class SnapshotDuringInstallTest {

    private static final int KEYS = 50;
    private static final int THRESHOLD = 200;

    private LiveCluster<KvCommand, String, StateMachine<KvCommand, String>, NodeListener> cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void olderLocalSnapshotFinishingAfterAnInstallDoesNotReplaceIt() throws Exception {
        cluster = LiveCluster.<KvCommand, String>builder(KvCommand.CODEC).name("overlap").voters(3)
                .tuning(config -> config.snapshotThreshold(THRESHOLD)
                .option("raftkit.snapshot.trailingEntries", "20")).build();
        Map<NodeId, GatedStateMachine> machines = new HashMap<>();
        for (NodeId id : cluster.ids()) {
            machines.put(id, new GatedStateMachine(new RecordingKvStateMachine()));
            cluster.start(id, machines.get(id));
        }
        Node<KvCommand, String> leader = cluster.node(cluster.awaitLeader());
        NodeId follower = cluster.ids().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow();
        GatedStateMachine gated = machines.get(follower);
        gated.arm();
        cluster.writeAll(RecordingKvStateMachine.puts(0, THRESHOLD + 50, KEYS), 32);
        assertThat(gated.entered.await(30, TimeUnit.SECONDS)).as("the follower started a snapshot").isTrue();
        long followerLog = cluster.node(follower).status().lastLogIndex();

        cluster.network().isolate(follower);
        cluster.writeAll(RecordingKvStateMachine.puts(THRESHOLD + 50, 2000, KEYS), 64);
        cluster.network().heal();
        cluster.awaitTrue("the leader's snapshot to install on the follower's disk", Duration.ofSeconds(30),
                () -> cluster.disk(follower).firstIndex() > followerLog + 1);
        gated.release.countDown();

        Node<KvCommand, String> current = cluster.node(cluster.awaitLeader());
        long commit = current.status().commitIndex();
        cluster.awaitTrue(follower + " to apply through " + commit, Duration.ofSeconds(30),
                () -> cluster.node(follower).status().appliedIndex() >= commit);
        Map<String, String> expected = cluster.readLocal(current.id(), machines.get(current.id()).inner::data);
        assertThat(cluster.readLocal(follower, gated.inner::data)).isEqualTo(expected);

        cluster.stop(follower);
        GatedStateMachine restarted = new GatedStateMachine(new RecordingKvStateMachine());
        cluster.start(follower, restarted);
        cluster.awaitTrue(follower + " to apply through " + commit + " after a restart", Duration.ofSeconds(30),
                () -> cluster.node(follower).status().appliedIndex() >= commit);
        assertThat(cluster.readLocal(follower, restarted.inner::data)).isEqualTo(expected);
    }

    /** Holds its first snapshot, once armed, until released. */
    private static final class GatedStateMachine implements StateMachine<KvCommand, String> {
        final RecordingKvStateMachine inner;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean armed;

        GatedStateMachine(RecordingKvStateMachine inner) {
            this.inner = inner;
        }

        void arm() {
            armed = true;
        }

        @Override
        public String apply(long index, KvCommand command) {
            return inner.apply(index, command);
        }

        @Override
        public void writeSnapshot(OutputStream out) throws IOException {
            if (armed && entered.getCount() > 0) {
                entered.countDown();
                try {
                    if (!release.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("the test never released the snapshot");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while held");
                }
            }
            inner.writeSnapshot(out);
        }

        @Override
        public void restoreSnapshot(InputStream in) throws IOException {
            inner.restoreSnapshot(in);
        }
    }
}
