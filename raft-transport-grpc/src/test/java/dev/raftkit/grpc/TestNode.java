package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.testkit.cluster.LoopbackAddresses;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A started {@link GrpcTransport} of one node and every message it delivered. */
final class TestNode implements AutoCloseable {

    static final String CLUSTER = "test-cluster";

    final NodeId id;
    final GrpcTransport transport;
    final List<RaftMessage> received = new CopyOnWriteArrayList<>();

    private TestNode(NodeId id, GrpcTransport transport) {
        this.id = id;
        this.transport = transport;
    }

    /** Starts node {@code id} of {@code members} with the given {@code grpc.*} options. */
    static TestNode start(NodeId id, Map<NodeId, Address> members, Map<String, String> options) throws IOException {
        Config.Builder config = Config.builder(id, members).clusterId(CLUSTER);
        options.forEach(config::option);
        GrpcTransport transport = new GrpcTransport(config.build());
        TestNode node = new TestNode(id, transport);
        transport.start(node.received::add);
        return node;
    }

    /** Returns a loopback address that no earlier call of this JVM returned ({@link LoopbackAddresses#free()}). */
    static Address freeAddress() {
        return LoopbackAddresses.free();
    }

    /** Sends heartbeats with {@code readSeq} to {@code to} until one arrives there, as an engine would retry. */
    void sendUntilDelivered(TestNode to, long readSeq, Duration timeout) {
        Heartbeat beat = new Heartbeat(id, to.id, 1, 0, readSeq);
        Poll.until(() -> {
            transport.send(beat);
            return to.received.contains(beat);
        }, timeout, () -> to.id + " received " + to.received + "; " + id + " stats " + transport.stats());
    }

    /** Returns whether {@code from} delivered anything here. */
    boolean receivedFrom(NodeId from) {
        return received.stream().anyMatch(m -> m.from().equals(from));
    }

    @Override
    public void close() {
        transport.close();
    }
}
