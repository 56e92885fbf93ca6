package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.RaftMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A started {@link GrpcTransport} of one node and every message it delivered. */
final class TestNode implements AutoCloseable {

    static final String CLUSTER = "test-cluster";

    /** Every port {@link #freeAddress()} returned in this JVM. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

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

    /**
     * Returns a loopback address whose port was free a moment ago and that no earlier call of this
     * JVM returned: a port taken and released one at a time may be handed out again by the
     * operating system, which made two nodes of one test share an address.
     */
    static Address freeAddress() {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return new Address("127.0.0.1", socket.getLocalPort());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no loopback port that was not handed out before, after 100 tries");
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
