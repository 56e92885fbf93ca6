package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.InstallSnapshot;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.SnapshotMeta;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Behaviour specific to the gRPC transport: threads, queue bounds, peer changes, option errors. */
class GrpcTransportTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");

    private final Map<NodeId, Address> members = Map.of(A, TestNode.freeAddress(), B, TestNode.freeAddress());

    @Test
    void closeEndsEveryThreadItStarted() throws IOException {
        try (TestNode a = TestNode.start(A, members, Map.of()); TestNode b = TestNode.start(B, members, Map.of())) {
            a.sendUntilDelivered(b, 1, TIMEOUT);
            b.sendUntilDelivered(a, 2, TIMEOUT);
            assertThat(transportThreads()).isNotEmpty();
        }
        Poll.until(() -> transportThreads().isEmpty(), Duration.ofSeconds(10),
                () -> "threads left after close: " + transportThreads());
    }

    @Test
    void withOneEventLoopANodeIsOfferedItAsTheSendingThreadUntilClose() throws Exception {
        GrpcTransport unstarted = new GrpcTransport(Config.builder(A, members).clusterId(TestNode.CLUSTER).build());
        assertThat(unstarted.options().ioThreads()).as("a node's default").isEqualTo(1);
        Executor beforeStart = unstarted.sendingThread().orElseThrow();
        assertThatThrownBy(() -> beforeStart.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);

        Executor sending;
        try (TestNode a = TestNode.start(A, members, Map.of()); TestNode b = TestNode.start(B, members, Map.of())) {
            a.sendUntilDelivered(b, 1, TIMEOUT);
            sending = a.transport.sendingThread().orElseThrow();
            CompletableFuture<String> ranOn = new CompletableFuture<>();
            Heartbeat beat = new Heartbeat(A, B, 1, 0, 2);
            sending.execute(() -> {
                a.transport.send(beat);
                ranOn.complete(Thread.currentThread().getName());
            });
            assertThat(ranOn.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).startsWith("raftkit-grpc-a-io-");
            Poll.until(() -> b.received.contains(beat), TIMEOUT, () -> "b received " + b.received);
        }
        assertThatThrownBy(() -> sending.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void withSeveralEventLoopsNoSendingThreadIsOffered() {
        GrpcTransport transport = new GrpcTransport(Config.builder(A, members)
                .option(GrpcTransportOptions.IO_THREADS, "2").build());
        assertThat(transport.sendingThread()).isEmpty();
    }

    @Test
    void epollTurnedOffGivesNioOnEveryPlatform() throws IOException {
        try (TestNode a = TestNode.start(A, members, Map.of(GrpcTransportOptions.EPOLL, "false"))) {
            assertThat(a.transport.io()).isEqualTo(NettyIo.NIO);
        }
    }

    /**
     * Skipped off Linux on x86_64 or aarch64, the only platforms whose native epoll grpc-netty-shaded
     * ships: there {@link NettyIo#choose} gives NIO by design, which the test above covers. Where
     * it runs (CI included), it fails if epoll does not load, so no fallback goes unnoticed.
     */
    @Test
    void onLinuxTheEventLoopsUseNativeEpollByDefaultAndTalkToNioOnes() throws IOException {
        String arch = System.getProperty("os.arch");
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && (arch.equals("amd64") || arch.equals("aarch64")),
                "Netty ships native epoll for Linux on x86_64 and aarch64 only");
        assertThat(Epoll.unavailabilityCause()).as("why epoll cannot be loaded").isNull();
        try (TestNode a = TestNode.start(A, members, Map.of());
                TestNode b = TestNode.start(B, members, Map.of(GrpcTransportOptions.EPOLL, "false"))) {
            assertThat(a.transport.io()).as("the default").isEqualTo(NettyIo.EPOLL);
            a.sendUntilDelivered(b, 1, TIMEOUT);
            b.sendUntilDelivered(a, 2, TIMEOUT);
        }
    }

    /** Threads of our transports or of gRPC's shared pools, which a closed transport must not leave behind. */
    private static List<String> transportThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("raftkit-grpc-") || name.startsWith("grpc-"))
                .collect(Collectors.toList());
    }

    @Test
    void dropsAndCountsWhenAPeerQueueIsFull() throws IOException {
        // b is never started: a's stream to it cannot open, so its queue fills up
        try (TestNode a = TestNode.start(A, members, Map.of(GrpcTransportOptions.MAX_QUEUED_MESSAGES, "10"))) {
            for (int i = 0; i < 100; i++) {
                a.transport.send(new Heartbeat(A, B, 1, 0, i));
            }
            assertThat(a.transport.stats().dropped(DropReason.QUEUE_FULL)).isBetween(90L, 100L);
        }
    }

    @Test
    void aSlowReceiverFillsTheBoundedQueueNotMemory() throws IOException, InterruptedException {
        Map<String, String> options = Map.of(GrpcTransportOptions.MAX_QUEUED_BYTES, Integer.toString(4 << 20));
        List<InstallSnapshot> received = new CopyOnWriteArrayList<>();
        List<RaftMessage> probes = new CopyOnWriteArrayList<>();
        GrpcTransport slow = new GrpcTransport(Config.builder(B, members).clusterId(TestNode.CLUSTER).build());
        slow.start(message -> {
            if (message instanceof InstallSnapshot chunk) {
                received.add(chunk);
                pause(20); // a receiver far slower than the sender (a real handler must not block)
            } else {
                probes.add(message);
            }
        });
        try (TestNode a = TestNode.start(A, members, options)) {
            Poll.until(() -> { // the stream is open before the transfer starts
                a.transport.send(new Heartbeat(A, B, 1, 0, 0));
                return !probes.isEmpty();
            }, TIMEOUT, () -> "no probe reached b");
            int chunkBytes = 1 << 20;
            int chunks = 100;
            SnapshotMeta meta = new SnapshotMeta(10, 1, new Membership(0, members, Map.of()),
                    (long) chunkBytes * chunks, 0);
            for (int i = 0; i < chunks; i++) {
                a.transport.send(new InstallSnapshot(A, B, 1, meta, (long) i * chunkBytes, new byte[chunkBytes],
                        i == chunks - 1));
                Thread.sleep(5); // paced: without flow control every chunk would leave the queue at once
            }
            long dropped = a.transport.stats().dropped(DropReason.QUEUE_FULL);
            assertThat(dropped).as("chunks dropped at the 4 MiB queue bound while gRPC flow control held them back").isPositive();
            Poll.until(() -> received.size() == chunks - dropped, TIMEOUT,
                    () -> "received " + received.size() + " of " + (chunks - dropped) + " chunks");
            assertThat(received).extracting(InstallSnapshot::offset).isSorted();
        } finally {
            slow.close();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aRemovedPeerIsNoLongerSentToOrAccepted() throws IOException, InterruptedException {
        try (TestNode a = TestNode.start(A, members, Map.of()); TestNode b = TestNode.start(B, members, Map.of())) {
            a.sendUntilDelivered(b, 1, TIMEOUT);
            a.transport.updatePeers(Map.of());
            a.transport.send(new Heartbeat(A, B, 1, 0, 2));
            assertThat(a.transport.stats().dropped(DropReason.UNKNOWN_PEER)).isEqualTo(1);

            b.transport.updatePeers(Map.of());
            a.transport.updatePeers(Map.of(B, members.get(B)));
            for (int i = 0; i < 20; i++) {
                a.transport.send(new Heartbeat(A, B, 1, 0, 3));
                Thread.sleep(10);
            }
            Poll.until(() -> b.transport.stats().rejected(GrpcTransportStats.RejectReason.UNKNOWN_SENDER) > 0, TIMEOUT,
                    () -> "b's stats " + b.transport.stats());
            assertThat(b.received).noneMatch(m -> m.equals(new Heartbeat(A, B, 1, 0, 3)));
        }
    }

    @Test
    void refusesASecondStartAndAnAddressInUse() throws IOException {
        try (TestNode a = TestNode.start(A, members, Map.of())) {
            assertThatThrownBy(() -> a.transport.start(m -> { })).isInstanceOf(IllegalStateException.class);
            GrpcTransport twin = new GrpcTransport(Config.builder(A, members).build());
            assertThatThrownBy(() -> twin.start(m -> { })).isInstanceOf(IOException.class)
                    .hasMessageContaining(members.get(A).toString());
            twin.close();
        }
    }

    @Test
    void badOptionsFailNamingTheOption() {
        assertThatThrownBy(() -> new GrpcTransport(Config.builder(A, members)
                .option(GrpcTransportOptions.MAX_MESSAGE_BYTES, "lots").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(GrpcTransportOptions.MAX_MESSAGE_BYTES);
        assertThatThrownBy(() -> new GrpcTransport(Config.builder(A, members)
                .option(GrpcTransportOptions.RECONNECT_INITIAL_BACKOFF_MILLIS, "500")
                .option(GrpcTransportOptions.RECONNECT_MAX_BACKOFF_MILLIS, "100").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(GrpcTransportOptions.RECONNECT_MAX_BACKOFF_MILLIS);
        assertThatThrownBy(() -> new GrpcTransport(Config.builder(A, members)
                .option(GrpcTransportOptions.BIND_ADDRESS, "nohost").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(GrpcTransportOptions.BIND_ADDRESS);
        assertThatThrownBy(() -> new GrpcTransport(Config.builder(A, members)
                .option(GrpcTransportOptions.EPOLL, "yes").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(GrpcTransportOptions.EPOLL);
    }

    @Test
    void aMisspeltOptionFailsListingTheValidOnes() {
        // a typo in a TLS option must not start the node in plaintext
        assertThatThrownBy(() -> new GrpcTransport(Config.builder(A, members)
                .option("grpc.tls.certChian", "/etc/raftkit/a.crt").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grpc.tls.certChian")
                .hasMessageContaining(GrpcTransportOptions.TLS_CERT_CHAIN)
                .hasMessageContaining(GrpcTransportOptions.MAX_CONNECTIONS)
                .hasMessageContaining(GrpcTransportOptions.TLS_VERIFY_NODE_ID);
        assertThatThrownBy(() -> new GrpcTransport(Config.builder(A, members)
                .option("grpc.maxMesageBytes", "1024").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grpc.maxMesageBytes");
    }

    @Test
    void optionsOfOtherProvidersAreLeftToThem() {
        GrpcTransport transport = new GrpcTransport(Config.builder(A, members).option("lmdb.mapSize", "64MiB")
                .option("grpcx.other", "1").build());
        assertThat(transport.options().maxConnections()).isPositive();
        transport.close();
    }
}
