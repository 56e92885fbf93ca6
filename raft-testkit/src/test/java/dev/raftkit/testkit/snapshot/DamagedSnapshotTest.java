package dev.raftkit.testkit.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.StateMachine;
import dev.raftkit.spi.InstallSnapshot;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.memory.MemoryLogStore;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a damaged snapshot never reaches a state machine. A chunk damaged on its way to a
 * follower makes it refuse the snapshot and get it again, ending with the leader's state; a
 * follower whose own snapshot is damaged on disk refuses to start, naming the damage and the
 * recovery, and leaves the snapshot in place.
 */
class DamagedSnapshotTest {

    private static final int KEYS = 200;
    private static final int TRAILING_ENTRIES = 20;

    private LiveCluster<KvCommand, String, StateMachine<KvCommand, String>, NodeListener> cluster;
    private final Map<NodeId, RecordingKvStateMachine> machines = new HashMap<>();

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void followerRefusesASnapshotDamagedInFlightAndInstallsTheLeadersOne() throws Exception {
        cluster = LiveCluster.<KvCommand, String>builder(KvCommand.CODEC).name("damaged-chunk").voters(3)
                .tuning(config -> config.snapshotThreshold(200)
                .option("raftkit.snapshot.trailingEntries", Integer.toString(TRAILING_ENTRIES))).build();
        NodeId lagging = cluster.id(2);
        DamagingTransport[] damaging = new DamagingTransport[1];
        for (NodeId id : cluster.ids()) {
            machines.put(id, new RecordingKvStateMachine());
            if (id.equals(lagging)) {
                cluster.start(id, machines.get(id), transport -> damaging[0] = new DamagingTransport(transport));
            } else {
                cluster.start(id, machines.get(id));
            }
        }
        cluster.awaitLeader();
        cluster.network().isolate(lagging);
        cluster.writeAll(RecordingKvStateMachine.puts(0, 2000, KEYS), 128);
        Node<KvCommand, String> leader = cluster.node(cluster.awaitLeader());
        assertThat(cluster.disk(leader.id()).firstIndex() - 1).as("the leader compacted what the follower lacks")
                .isGreaterThan(cluster.node(lagging).status().lastLogIndex());

        cluster.network().heal();
        long target = leader.status().commitIndex();
        cluster.awaitTrue(lagging + " to apply through " + target, Duration.ofSeconds(60),
                () -> cluster.node(lagging).status().appliedIndex() >= target);

        RecordingKvStateMachine machine = machines.get(lagging);
        assertThat(damaging[0].damaged()).as("chunks damaged on their way").isEqualTo(1);
        assertThat(damaging[0].firstChunksReceived()).as("transfers started (offset 0 received)")
                .isGreaterThanOrEqualTo(2);
        assertThat(cluster.readLocal(lagging, machine::restores))
                .as("snapshots restored: only the good one, never the damaged one").isEqualTo(1);
        Map<String, String> expected = cluster.readLocal(leader.id(), machines.get(leader.id())::data);
        assertThat(cluster.readLocal(lagging, machine::data)).as("the follower's state").isEqualTo(expected)
                .hasSize(KEYS);
    }

    @Test
    void followerWhoseSnapshotIsDamagedOnDiskRefusesToStartAndKeepsIt() throws Exception {
        cluster = LiveCluster.<KvCommand, String>builder(KvCommand.CODEC).name("damaged-disk").voters(3)
                .tuning(config -> config.snapshotThreshold(0)
                .option("raftkit.snapshot.trailingEntries", Integer.toString(TRAILING_ENTRIES))).build();
        for (NodeId id : cluster.ids()) {
            machines.put(id, new RecordingKvStateMachine());
            cluster.start(id, machines.get(id));
        }
        Node<KvCommand, String> leader = cluster.node(cluster.awaitLeader());
        cluster.writeAll(RecordingKvStateMachine.puts(0, 300, KEYS), 32);
        NodeId follower = cluster.ids().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow();
        long snapshotIndex = cluster.snapshotAt(leader.status().commitIndex(), List.of(follower))
                .get(follower).index();
        cluster.stop(follower);
        cluster.disk(follower).corruptSnapshot(100);

        RecordingKvStateMachine restarted = new RecordingKvStateMachine();
        assertThatThrownBy(() -> cluster.start(follower, restarted))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("snapshot " + snapshotIndex + " failed its integrity check at offset 100 on memory "
                        + "disk " + cluster.disk(follower).name())
                .hasMessageContaining("delete its data directory and add it again")
                .hasRootCauseInstanceOf(IOException.class);
        assertThat(restarted.restores()).as("snapshots restored into the state machine").isZero();
        try (MemoryLogStore store = new MemoryLogStore(cluster.disk(follower))) {
            assertThat(store.latestSnapshot()).as("the damaged snapshot is left in place")
                    .hasValueSatisfying(meta -> assertThat(meta.index()).isEqualTo(snapshotIndex));
        }
    }

    /**
     * Passes everything through, but damages one byte of the first InstallSnapshot chunk its node
     * receives (in a copy: the leader keeps the original for resending), and counts the transfers
     * that start.
     */
    private static final class DamagingTransport implements Transport {

        private final Transport delegate;
        private final AtomicInteger damaged = new AtomicInteger();
        private final AtomicInteger firstChunks = new AtomicInteger();

        DamagingTransport(Transport delegate) {
            this.delegate = delegate;
        }

        int damaged() {
            return damaged.get();
        }

        int firstChunksReceived() {
            return firstChunks.get();
        }

        @Override
        public void start(MessageHandler handler) throws IOException {
            delegate.start(new MessageHandler() {
                @Override
                public void onMessage(RaftMessage message) {
                    handler.onMessage(maybeDamage(message));
                }

                @Override
                public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
                    handler.onMessageFromUnknownSender(maybeDamage(message), senderAddress);
                }
            });
        }

        private RaftMessage maybeDamage(RaftMessage message) {
            if (!(message instanceof InstallSnapshot chunk)) {
                return message;
            }
            if (chunk.offset() == 0) {
                firstChunks.incrementAndGet();
            }
            if (chunk.data().length == 0 || !damaged.compareAndSet(0, 1)) {
                return chunk;
            }
            byte[] data = chunk.data().clone();
            data[data.length / 2] ^= 0x5A;
            return new InstallSnapshot(chunk.from(), chunk.to(), chunk.term(), chunk.meta(), chunk.offset(), data,
                    chunk.done());
        }

        @Override
        public void updatePeers(Map<NodeId, Address> peers) {
            delegate.updatePeers(peers);
        }

        @Override
        public void send(RaftMessage message) {
            delegate.send(message);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
