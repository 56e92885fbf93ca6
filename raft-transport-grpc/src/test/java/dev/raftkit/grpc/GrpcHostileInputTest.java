package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import dev.raftkit.grpc.proto.AppendEntriesProto;
import dev.raftkit.grpc.proto.EntryProto;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.grpc.proto.HeartbeatProto;
import dev.raftkit.grpc.proto.InstallSnapshotProto;
import dev.raftkit.grpc.proto.MemberProto;
import dev.raftkit.grpc.proto.MembershipProto;
import dev.raftkit.grpc.proto.RaftTransportGrpc;
import dev.raftkit.grpc.proto.Rejection;
import dev.raftkit.grpc.proto.RequestVoteProto;
import dev.raftkit.grpc.proto.SnapshotMetaProto;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.RaftMessage;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hostile client attacks node b for a bounded time while node a keeps sending to it: raw TCP
 * garbage and truncated HTTP/2 frames, random and truncated gRPC payloads, oversized frames,
 * envelopes of another cluster, from unknown senders, to another node, and with values no valid
 * message carries. Every legitimate message still arrives in order; the handler sees nothing bad
 * except well-formed messages with implausible values from a known sender, which the transport
 * passes on by design (the engine judges them against its state); the counters show each rejection.
 */
class GrpcHostileInputTest {

    /** The attack runs at least this long, and on until every expected rejection was counted. */
    private static final Duration ATTACK = Duration.ofSeconds(3);
    /** The longest the attack runs when some rejection is still missing (a loaded machine). */
    private static final Duration ATTACK_MAX = Duration.ofSeconds(30);
    /** The reasons this attack provokes: one connection, plaintext, a busy stream, a single node (no groups). */
    private static final Set<RejectReason> PROVOKED = EnumSet.complementOf(EnumSet.of(RejectReason.TOO_MANY_CONNECTIONS,
            RejectReason.WRONG_IDENTITY, RejectReason.IDLE_STREAM, RejectReason.UNKNOWN_GROUP));
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int LIMIT = 64 * 1024;
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    /** A known peer id whose name the attacker uses for well-formed but implausible messages. */
    private static final NodeId M = NodeId.of("m");

    private static final MethodDescriptor<byte[], Rejection> RAW_METHOD = RaftTransportGrpc.getStreamMethod()
            .toBuilder(InboundService.RAW, ProtoUtils.marshaller(Rejection.getDefaultInstance())).build();

    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private final Map<NodeId, Address> members = Map.of(A, TestNode.freeAddress(), B, TestNode.freeAddress(),
            M, TestNode.freeAddress());
    private TestNode a;
    private TestNode b;
    private ManagedChannel attackerChannel;
    /** The raw calls' own connection: the server serves one stream per connection, which the typed stream holds. */
    private ManagedChannel rawChannel;

    @AfterEach
    void tearDown() throws InterruptedException {
        for (ManagedChannel channel : new ManagedChannel[] {attackerChannel, rawChannel}) {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void keepsDeliveringLegitimateMessagesAndCountsEveryRejection() throws Exception {
        Map<String, String> options = Map.of(GrpcTransportOptions.MAX_MESSAGE_BYTES, Integer.toString(LIMIT));
        a = TestNode.start(A, members, options);
        b = TestNode.start(B, members, options);
        a.sendUntilDelivered(b, 0, TIMEOUT);
        Address target = members.get(B);
        attackerChannel = NettyChannelBuilder.forAddress(target.host(), target.port()).usePlaintext().build();
        rawChannel = NettyChannelBuilder.forAddress(target.host(), target.port()).usePlaintext().build();
        StreamObserver<Envelope> typed = openTypedStream();

        List<Supplier<Envelope>> badEnvelopes = badEnvelopes();
        long legitSent = 0;
        long start = System.nanoTime();
        for (int round = 0; attacking(start, b.transport.stats()); round++) {
            a.transport.send(new Heartbeat(A, B, 1, 0, ++legitSent));
            switch (round % 6) {
                case 0 -> typed.onNext(badEnvelopes.get(random.nextInt(badEnvelopes.size())).get());
                case 1 -> typed.onNext(implausibleButWellFormed());
                case 2 -> sendRaw(randomBytes(1 + random.nextInt(2000)));
                case 3 -> sendRaw(truncated(badEnvelopes.get(random.nextInt(badEnvelopes.size())).get()));
                case 4 -> sendRaw(randomBytes(LIMIT + 1 + random.nextInt(LIMIT)));
                default -> rawTcp(round % 12 == 5);
            }
            if (round % 6 == 0) {
                Thread.sleep(2); // let the legitimate stream and the attack interleave
            }
        }
        typed.onCompleted();

        // a's queue to b is bounded: what it had to drop (if the attack slowed it down) is counted, never lost silently
        long expected = legitSent - a.transport.stats().dropped(GrpcTransportStats.DropReason.QUEUE_FULL);
        Poll.until(() -> legit().size() == expected, TIMEOUT,
                () -> "legitimate messages delivered: " + legit().size() + " of " + expected + " " + note());
        assertThat(expected).as("legitimate messages that got through the attack %s", note())
                .isGreaterThan(legitSent * 9 / 10);
        assertThat(legit()).as("legitimate messages in order %s", note())
                .isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
        assertThat(b.received).as("only a's messages and well-formed ones of the known peer m %s", note())
                .allMatch(m -> m.from().equals(A)
                        || (m instanceof Heartbeat beat && m.from().equals(M) && beat.commitIndex() == Long.MAX_VALUE));
        assertThat(b.receivedFrom(M)).as("well-formed implausible messages are the engine's to judge").isTrue();

        GrpcTransportStats stats = b.transport.stats();
        System.out.println("after " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms of hostile input, b's counters: " + stats);
        for (RejectReason reason : PROVOKED) {
            assertThat(stats.rejected(reason)).as("rejections for %s in %s %s", reason, stats, note()).isPositive();
        }
    }

    /** {@return whether the attack goes on: for {@link #ATTACK}, then while a provoked reason is uncounted, up to {@link #ATTACK_MAX}} */
    private static boolean attacking(long start, GrpcTransportStats stats) {
        long elapsed = System.nanoTime() - start;
        if (elapsed < ATTACK.toNanos()) {
            return true;
        }
        return elapsed < ATTACK_MAX.toNanos() && PROVOKED.stream().anyMatch(reason -> stats.rejected(reason) == 0);
    }

    private List<Long> legit() {
        List<Long> seqs = new ArrayList<>();
        for (RaftMessage message : b.received) {
            if (message.from().equals(A) && message instanceof Heartbeat beat && beat.readSeq() > 0) {
                seqs.add(beat.readSeq());
            }
        }
        return seqs;
    }

    private String note() {
        return "(seed " + seed + ")";
    }

    private StreamObserver<Envelope> openTypedStream() {
        return RaftTransportGrpc.newStub(attackerChannel).stream(new StreamObserver<>() {
            @Override
            public void onNext(Rejection rejection) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    /** Envelopes the transport must reject, each for a different reason. */
    private List<Supplier<Envelope>> badEnvelopes() {
        Envelope.Builder fromM = Envelope.newBuilder().setClusterId(TestNode.CLUSTER).setFrom("m").setTo("b");
        HeartbeatProto beat = HeartbeatProto.newBuilder().setTerm(1).build();
        SnapshotMetaProto meta = SnapshotMetaProto.newBuilder().setIndex(5).setTerm(1).setSizeBytes(10)
                .setMembership(MembershipProto.newBuilder()
                        .addVoters(MemberProto.newBuilder().setId("a").setHost("127.0.0.1").setPort(1)))
                .build();
        return List.of(
                () -> fromM.clone().setClusterId("other-" + random.nextInt(1000)).setHeartbeat(beat).build(),
                () -> fromM.clone().setFrom("stranger").setHeartbeat(beat).build(), // and no address
                () -> fromM.clone().setFrom("stranger").setFromAddress("no port").setHeartbeat(beat).build(),
                () -> fromM.clone().setTo("a").setHeartbeat(beat).build(),
                () -> fromM.clone().setFrom("bad id!").setHeartbeat(beat).build(),
                () -> fromM.clone().build(), // no body
                () -> fromM.clone().setRequestVote(RequestVoteProto.newBuilder().setTerm(-1 - random.nextInt(100)))
                        .build(),
                () -> fromM.clone().setHeartbeat(HeartbeatProto.newBuilder().setTerm(1).setCommitIndex(-5)).build(),
                () -> fromM.clone().setAppendEntries(AppendEntriesProto.newBuilder().setTerm(2).setPrevLogIndex(3)
                        .addEntries(EntryProto.newBuilder().setIndex(9).setTerm(1))).build(), // not contiguous
                () -> fromM.clone().setAppendEntries(AppendEntriesProto.newBuilder().setTerm(2).setPrevLogIndex(3)
                        .addEntries(EntryProto.newBuilder().setIndex(4).setTerm(1).setKind(77))).build(),
                () -> fromM.clone().setInstallSnapshot(InstallSnapshotProto.newBuilder().setTerm(1).setMeta(meta)
                        .setOffset(8).setData(ByteString.copyFrom(new byte[5]))).build(), // past the size
                () -> fromM.clone().setInstallSnapshot(InstallSnapshotProto.newBuilder().setTerm(1)
                        .setMeta(meta.toBuilder().setCrc32C(-1))).build(),
                () -> fromM.clone().setInstallSnapshot(InstallSnapshotProto.newBuilder().setTerm(1)
                        .setMeta(meta.toBuilder().clearMembership())).build());
    }

    /** A valid message from a known peer, with values no engine state would expect. */
    private static Envelope implausibleButWellFormed() {
        return Envelope.newBuilder().setClusterId(TestNode.CLUSTER).setFrom("m").setTo("b")
                .setHeartbeat(HeartbeatProto.newBuilder().setTerm(RaftMessage.MAX_TERM).setCommitIndex(Long.MAX_VALUE)
                        .setReadSeq(Long.MAX_VALUE))
                .build();
    }

    /** Sends {@code payload} as one gRPC message on a new stream, bypassing the envelope marshaller. */
    /**
     * Sends {@code payload} as one frame on a call of its own and waits (boundedly) for the server to
     * end it, so the next raw call finds the connection's one stream free.
     */
    private void sendRaw(byte[] payload) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        ClientCall<byte[], Rejection> call = rawChannel.newCall(RAW_METHOD, CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.countDown();
            }
        }, new Metadata());
        call.sendMessage(payload);
        call.halfClose();
        if (!closed.await(100, TimeUnit.MILLISECONDS)) {
            call.cancel("the server did not end the call within 100 ms", null);
        }
    }

    /** Writes garbage straight to the socket: random bytes, or an HTTP/2 preface and a cut-off frame. */
    private void rawTcp(boolean truncatedHttp2) throws IOException {
        Address target = members.get(B);
        try (Socket socket = new Socket(target.host(), target.port())) {
            OutputStream out = socket.getOutputStream();
            if (truncatedHttp2) {
                out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
                out.write(new byte[] {0, 0x03, (byte) 0xE8, 1, 4, 0, 0, 0, 1, 1, 2, 3}); // HEADERS of 1000, cut
            } else {
                out.write(randomBytes(1 + random.nextInt(4096)));
            }
            out.flush();
        } catch (IOException e) {
            // the server may reset the connection first: that is a refusal too
        }
    }

    private byte[] truncated(Envelope envelope) {
        byte[] bytes = envelope.toByteArray();
        byte[] cut = new byte[bytes.length == 0 ? 0 : random.nextInt(bytes.length)];
        System.arraycopy(bytes, 0, cut, 0, cut.length);
        return cut;
    }

    private byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }
}
