package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.RaftMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A started {@link GrpcTransport} of one node and every message it delivered. */
final class TestNode implements AutoCloseable {

    static final String CLUSTER = "test-cluster";

    /** Every port {@link #freeAddress()} tried in this JVM. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final int FIRST_PORT = 20_000;
    private static final int PORT_COUNT = 12_000;
    private static final Random PORTS = new Random();

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
     * JVM returned. Ports come from below Linux's ephemeral range (32768 and up), which outgoing
     * connections of earlier tests draw their local ports from: a port picked there, or picked twice,
     * made a node of one test fail to bind.
     */
    static Address freeAddress() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = FIRST_PORT + PORTS.nextInt(PORT_COUNT);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                return new Address("127.0.0.1", port);
            } catch (IOException e) {
                // taken by another process: try another
            }
        }
        throw new IllegalStateException("no free loopback port in [" + FIRST_PORT + ", " + (FIRST_PORT + PORT_COUNT)
                + ") after 1000 tries");
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
