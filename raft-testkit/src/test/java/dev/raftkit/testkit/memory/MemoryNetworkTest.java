package dev.raftkit.testkit.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Checks the network's faults and determinism on a virtual-time scheduler. */
class MemoryNetworkTest {

    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final NodeId C = NodeId.of("c");
    private static final Map<NodeId, Address> ADDRESSES = Map.of(
            A, new Address("a", 1), B, new Address("b", 1), C, new Address("c", 1));

    /** A single-threaded virtual-time loop: deliveries run in (time, scheduling order). */
    private static final class VirtualTime implements DeliveryScheduler {
        private record Task(long at, long seq, Runnable run) {
        }

        private final PriorityQueue<Task> queue = new PriorityQueue<>(
                (x, y) -> x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.seq, y.seq));
        private long now;
        private long seq;

        @Override
        public void schedule(Runnable delivery, long delayNanos) {
            queue.add(new Task(now + delayNanos, seq++, delivery));
        }

        void runAll() {
            for (Task task; (task = queue.poll()) != null; ) {
                now = task.at;
                task.run.run();
            }
        }
    }

    private final VirtualTime time = new VirtualTime();
    private final List<String> log = new ArrayList<>();

    private Map<NodeId, MemoryTransport> cluster(MemoryNetwork network, String clusterId) throws IOException {
        Map<NodeId, MemoryTransport> transports = new HashMap<>();
        for (NodeId id : ADDRESSES.keySet()) {
            MemoryTransport transport = new MemoryTransport(network, id, ADDRESSES.get(id), clusterId, ADDRESSES,
                    1024);
            transport.start(m -> log.add(m.from() + ">" + m.to() + ":" + ((Heartbeat) m).readSeq()));
            transports.put(id, transport);
        }
        return transports;
    }

    private static RaftMessage beat(NodeId from, NodeId to, long seq) {
        return new Heartbeat(from, to, 1, 0, seq);
    }

    @Test
    void sameSeedGivesSameDeliveries() throws IOException {
        List<String> first = runFaultyScenario(42);
        List<String> second = runFaultyScenario(42);
        assertThat(first).isNotEmpty().isEqualTo(second);
        assertThat(runFaultyScenario(43)).isNotEqualTo(first);
    }

    private List<String> runFaultyScenario(long seed) throws IOException {
        log.clear();
        MemoryNetwork network = new MemoryNetwork(time, new SplittableRandom(seed));
        network.dropProbability(0.2);
        network.duplicateProbability(0.2);
        network.delay(Duration.ofMillis(1), Duration.ofMillis(50));
        Map<NodeId, MemoryTransport> nodes = cluster(network, "c1");
        for (int i = 0; i < 200; i++) {
            nodes.get(A).send(beat(A, i % 2 == 0 ? B : C, i));
        }
        time.runAll();
        assertThat(network.dropped(MemoryNetwork.DropReason.RANDOM_LOSS)).isPositive();
        assertThat(network.duplicated()).isPositive();
        return List.copyOf(log);
    }

    @Test
    void linksAreFifoWithoutFaults() throws IOException {
        MemoryNetwork network = new MemoryNetwork(time, new SplittableRandom(1));
        Map<NodeId, MemoryTransport> nodes = cluster(network, "c1");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            nodes.get(A).send(beat(A, B, i));
            expected.add("a>b:" + i);
        }
        time.runAll();
        assertThat(log).containsExactlyElementsOf(expected);
        assertThat(network.delivered()).isEqualTo(100);
    }

    @Test
    void partitionsBlocksAndIsolationCutLinksUntilHealed() throws IOException {
        MemoryNetwork network = new MemoryNetwork(time, new SplittableRandom(1));
        Map<NodeId, MemoryTransport> nodes = cluster(network, "c1");

        network.partition(Set.of(A, B)); // c is in no group: it forms its own
        sendAll(nodes);
        assertThat(log).containsExactlyInAnyOrder("a>b:0", "b>a:0");

        network.partition(Set.of(A, B), Set.of(B, C)); // b bridges a and c
        sendAll(nodes);
        assertThat(log).containsExactlyInAnyOrder("a>b:0", "b>a:0", "b>c:0", "c>b:0");

        network.heal();
        network.block(A, B);
        sendAll(nodes);
        assertThat(log).hasSize(5).doesNotContain("a>b:0");

        network.heal();
        network.isolate(C);
        sendAll(nodes);
        assertThat(log).containsExactlyInAnyOrder("a>b:0", "b>a:0");

        network.heal();
        sendAll(nodes);
        assertThat(log).hasSize(6);
        assertThat(network.dropped(MemoryNetwork.DropReason.LINK_CUT)).isEqualTo(4 + 2 + 1 + 4);
    }

    private void sendAll(Map<NodeId, MemoryTransport> nodes) {
        log.clear();
        for (NodeId from : ADDRESSES.keySet()) {
            for (NodeId to : ADDRESSES.keySet()) {
                if (!from.equals(to)) {
                    nodes.get(from).send(beat(from, to, 0));
                }
            }
        }
        time.runAll();
    }

    @Test
    void linkCutWhileInFlightLosesTheMessage() throws IOException {
        MemoryNetwork network = new MemoryNetwork(time, new SplittableRandom(1));
        network.delay(Duration.ofMillis(5), Duration.ofMillis(5));
        Map<NodeId, MemoryTransport> nodes = cluster(network, "c1");
        nodes.get(A).send(beat(A, B, 1));
        network.isolate(B);
        time.runAll();
        assertThat(log).isEmpty();
        assertThat(network.dropped(MemoryNetwork.DropReason.LINK_CUT)).isEqualTo(1);
    }

    @Test
    void detachedNodesNeitherSendNorReceive() throws IOException {
        MemoryNetwork network = new MemoryNetwork(time, new SplittableRandom(1));
        Map<NodeId, MemoryTransport> nodes = cluster(network, "c1");
        network.detach(ADDRESSES.get(C));
        nodes.get(C).send(beat(C, A, 1));
        nodes.get(A).send(beat(A, C, 2));
        time.runAll();
        assertThat(log).isEmpty();
        assertThat(network.dropped(MemoryNetwork.DropReason.SENDER_DETACHED)).isEqualTo(1);
        assertThat(network.dropped(MemoryNetwork.DropReason.NO_RECEIVER)).isEqualTo(1);
    }

    @Test
    void transportRejectsOtherClustersUnknownSendersOversizedMessagesAndInvalidTerms() throws IOException {
        MemoryNetwork network = new MemoryNetwork(time, new SplittableRandom(1));
        MemoryTransport b = new MemoryTransport(network, B, ADDRESSES.get(B), "c1", Map.of(A, ADDRESSES.get(A)), 1024);
        b.start(m -> log.add(m.toString()));
        MemoryTransport otherCluster = new MemoryTransport(network, A, ADDRESSES.get(A), "c2", ADDRESSES, 1024);
        otherCluster.start(m -> { });
        MemoryTransport stranger = new MemoryTransport(network, C, ADDRESSES.get(C), "c1", ADDRESSES, 1024);
        stranger.start(m -> { });

        otherCluster.send(beat(A, B, 1));
        stranger.send(beat(C, B, 2));
        time.runAll();
        assertThat(log).isEmpty();
        assertThat(b.rejected(MemoryTransport.RejectReason.WRONG_CLUSTER)).isEqualTo(1);
        assertThat(b.rejected(MemoryTransport.RejectReason.UNKNOWN_SENDER)).isEqualTo(1);

        b.updatePeers(Map.of(C, ADDRESSES.get(C)));
        stranger.send(beat(C, B, 3));
        stranger.send(new AppendEntries(C, B, 1, 0, 0,
                List.of(new LogEntry(1, 1, EntryKind.COMMAND, new byte[2000])), 0));
        time.runAll();
        assertThat(log).hasSize(1);
        assertThat(b.rejected(MemoryTransport.RejectReason.TOO_LARGE)).isEqualTo(1);

        stranger.send(new Heartbeat(C, B, Long.MAX_VALUE, 0, 4));
        stranger.send(new Heartbeat(C, B, RaftMessage.MAX_TERM + 1, 0, 4));
        stranger.send(new Heartbeat(C, B, -1, 0, 4));
        stranger.send(new Heartbeat(C, B, RaftMessage.MAX_TERM, 0, 4));
        time.runAll();
        assertThat(b.rejected(MemoryTransport.RejectReason.INVALID_TERM)).isEqualTo(3);
        assertThat(log).as("the message at the bound got through").hasSize(2);
    }

    @Test
    void rejectsBadFaultSettingsWithTheirNames() {
        MemoryNetwork network = new MemoryNetwork(time, new SplittableRandom(1));
        assertThatThrownBy(() -> network.dropProbability(1.5)).hasMessageContaining("dropProbability");
        assertThatThrownBy(() -> network.delay(Duration.ofMillis(2), Duration.ofMillis(1)))
                .hasMessageContaining("delay");
        assertThatThrownBy(network::partition).hasMessageContaining("partition");
    }
}
