package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.grpc.proto.HeartbeatProto;
import dev.raftkit.grpc.proto.RaftTransportGrpc;
import dev.raftkit.grpc.proto.Rejection;
import dev.raftkit.spi.Heartbeat;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile connections against a real server on loopback: a second concurrent stream on one
 * connection, more connections than the caps allow (from one address and in total), connections
 * and streams that stay idle. Each is refused or closed while the legitimate peer is still served,
 * and a refused sender learns nothing of the receiver's configuration.
 */
class GrpcConnectionLimitsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final NodeId M = NodeId.of("m");

    /** The HTTP/2 client preface followed by an empty SETTINGS frame. */
    private static final byte[] HTTP2_PREFACE_AND_EMPTY_SETTINGS = concat(
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII), new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});

    private final Map<NodeId, Address> members = Map.of(A, TestNode.freeAddress(), B, TestNode.freeAddress(),
            M, TestNode.freeAddress());
    /** Closed last-in first-out. */
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private TestNode a;
    private TestNode b;

    @AfterEach
    void tearDown() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    private void startNodes(Map<String, String> bOptions) throws IOException {
        a = TestNode.start(A, members, Map.of());
        resources.push(a);
        b = TestNode.start(B, members, bOptions);
        resources.push(b);
        a.sendUntilDelivered(b, 1, TIMEOUT);
    }

    @Test
    void aSecondConcurrentStreamOnOneConnectionIsNotServed() throws Exception {
        startNodes(Map.of());
        ManagedChannel channel = attackerChannel();
        RecordingObserver first = new RecordingObserver();
        StreamObserver<Envelope> firstStream = RaftTransportGrpc.newStub(channel).stream(first);
        firstStream.onNext(heartbeatFromM(100));
        Poll.until(() -> hasHeartbeatFromM(100), TIMEOUT, () -> "b received " + b.received);

        RecordingObserver second = new RecordingObserver();
        StreamObserver<Envelope> secondStream = RaftTransportGrpc.newStub(channel)
                .withDeadlineAfter(2, TimeUnit.SECONDS).stream(second);
        secondStream.onNext(heartbeatFromM(200));
        Status ended = second.ended.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        assertThat(hasHeartbeatFromM(200)).as("b served a second stream of one connection (it ended %s)", ended)
                .isFalse();
        firstStream.onNext(heartbeatFromM(300));
        Poll.until(() -> hasHeartbeatFromM(300), TIMEOUT, () -> "the first stream is still served: " + b.received);
    }

    /** Both kinds of listening channel, epoll's and NIO's, admit connections the same way. */
    @ParameterizedTest(name = "grpc.epoll={0}")
    @ValueSource(strings = {"true", "false"})
    void connectionsBeyondThePerAddressCapAreClosed(String epoll) throws Exception {
        startNodes(Map.of(GrpcTransportOptions.MAX_CONNECTIONS_PER_ADDRESS, "2", GrpcTransportOptions.EPOLL, epoll));
        for (int i = 0; i < 2; i++) {
            assertThat(connectFrom("127.0.0.2")).as("connection %d from 127.0.0.2 within the cap is served", i)
                    .isTrue();
        }
        for (int i = 0; i < 3; i++) {
            assertThat(connectFrom("127.0.0.2")).as("connection %d from 127.0.0.2 beyond the cap", i).isFalse();
        }
        assertThat(connectFrom("127.0.0.3")).as("another address is not affected").isTrue();
        assertThat(b.transport.stats().rejected(RejectReason.TOO_MANY_CONNECTIONS)).isEqualTo(3);
        a.sendUntilDelivered(b, 2, TIMEOUT);
    }

    @ParameterizedTest(name = "grpc.epoll={0}")
    @ValueSource(strings = {"true", "false"})
    void connectionsBeyondTheTotalCapAreClosed(String epoll) throws Exception {
        startNodes(Map.of(GrpcTransportOptions.MAX_CONNECTIONS, "3", GrpcTransportOptions.EPOLL, epoll));
        // a's link holds one connection
        assertThat(connectFrom("127.0.0.2")).as("second connection").isTrue();
        assertThat(connectFrom("127.0.0.3")).as("third connection").isTrue();
        assertThat(connectFrom("127.0.0.4")).as("fourth connection, beyond the cap").isFalse();
        assertThat(connectFrom("127.0.0.5")).as("fifth connection, beyond the cap").isFalse();
        assertThat(b.transport.stats().rejected(RejectReason.TOO_MANY_CONNECTIONS)).isEqualTo(2);
        a.sendUntilDelivered(b, 2, TIMEOUT);
    }

    @Test
    void idleConnectionsAndStreamsAreClosedAndQuietPeersReconnect() throws Exception {
        startNodes(Map.of(GrpcTransportOptions.IDLE_TIMEOUT_MILLIS, "300",
                GrpcTransportOptions.HANDSHAKE_TIMEOUT_MILLIS, "600000"));
        Socket idleConnection = socketFrom("127.0.0.2");
        OutputStream out = idleConnection.getOutputStream();
        out.write(HTTP2_PREFACE_AND_EMPTY_SETTINGS); // completes the handshake, opens no stream
        out.flush();
        RecordingObserver silent = new RecordingObserver();
        RaftTransportGrpc.newStub(attackerChannel()).stream(silent); // opens a stream, sends nothing

        assertThat(silent.ended.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).getCode())
                .as("an idle stream is ended").isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(readsToEnd(idleConnection)).as("an idle connection is closed").isTrue();
        Poll.until(() -> b.transport.stats().rejected(RejectReason.NO_GRPC) > 0, TIMEOUT,
                () -> "the idle connection is counted: " + b.transport.stats());
        assertThat(b.transport.stats().rejected(RejectReason.IDLE_STREAM)).isPositive();
        a.sendUntilDelivered(b, 3, TIMEOUT); // a's quiet link was closed too, and reopens
    }

    @Test
    void aConnectionThatNeverCompletesItsHandshakeIsClosed() throws Exception {
        startNodes(Map.of(GrpcTransportOptions.HANDSHAKE_TIMEOUT_MILLIS, "300"));
        assertThat(readsToEnd(socketFrom("127.0.0.2"))).as("a silent connection is closed").isTrue();
        Poll.until(() -> b.transport.stats().rejected(RejectReason.NO_GRPC) > 0, TIMEOUT,
                () -> "the silent connection is counted: " + b.transport.stats());
        a.sendUntilDelivered(b, 4, TIMEOUT);
    }

    @Test
    void aRejectedSenderIsToldOnlyThatItWasRejected() throws Exception {
        startNodes(Map.of());
        RecordingObserver responses = new RecordingObserver();
        StreamObserver<Envelope> stream = RaftTransportGrpc.newStub(attackerChannel()).stream(responses);
        stream.onNext(heartbeatFromM(1).toBuilder().setClusterId("guess").build());
        Rejection rejection = responses.rejection.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(rejection.getReason()).isEqualTo("rejected");
        assertThat(rejection.toString()).as("the expected cluster id stays local").doesNotContain(TestNode.CLUSTER);
        assertThat(rejection.getDetail()).isEmpty();
        assertThat(b.transport.stats().rejected(RejectReason.WRONG_CLUSTER)).isEqualTo(1);
    }

    private ManagedChannel attackerChannel() {
        Address target = members.get(B);
        ManagedChannel channel = NettyChannelBuilder.forAddress(target.host(), target.port()).usePlaintext().build();
        resources.push(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    private Socket socketFrom(String localHost) throws IOException {
        Address target = members.get(B);
        Socket socket = new Socket();
        resources.push(socket);
        socket.bind(new InetSocketAddress(localHost, 0));
        socket.connect(new InetSocketAddress(target.host(), target.port()));
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        return socket;
    }

    /**
     * Connects from {@code localHost} and returns whether the server serves the connection: it
     * sends its HTTP/2 settings at once to a connection it admits and closes one it refuses.
     */
    private boolean connectFrom(String localHost) throws IOException {
        try {
            return socketFrom(localHost).getInputStream().read() != -1;
        } catch (SocketException reset) {
            return false;
        }
    }

    /** Reads {@code socket} until the server closes it; false if it stays open past the timeout. */
    private static boolean readsToEnd(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            while (in.read() != -1) {
                // the server's settings and, at the end, its GOAWAY
            }
            return true;
        } catch (SocketException reset) {
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private boolean hasHeartbeatFromM(long readSeq) {
        return b.received.stream().anyMatch(m -> m.from().equals(M) && m instanceof Heartbeat beat
                && beat.readSeq() == readSeq);
    }

    private static Envelope heartbeatFromM(long readSeq) {
        return Envelope.newBuilder().setClusterId(TestNode.CLUSTER).setFrom("m").setTo("b")
                .setHeartbeat(HeartbeatProto.newBuilder().setTerm(1).setReadSeq(readSeq)).build();
    }

    /** Records the first rejection notice and how a stream ended. */
    private static final class RecordingObserver implements StreamObserver<Rejection> {
        final CompletableFuture<Rejection> rejection = new CompletableFuture<>();
        final CompletableFuture<Status> ended = new CompletableFuture<>();

        @Override
        public void onNext(Rejection notice) {
            rejection.complete(notice);
        }

        @Override
        public void onError(Throwable error) {
            ended.complete(Status.fromThrowable(error));
        }

        @Override
        public void onCompleted() {
            ended.complete(Status.OK);
        }
    }
}
