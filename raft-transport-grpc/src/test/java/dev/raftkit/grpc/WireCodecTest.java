package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.proto.AppendEntriesProto;
import dev.raftkit.grpc.proto.EntryProto;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.grpc.proto.HeartbeatProto;
import dev.raftkit.grpc.proto.InstallSnapshotProto;
import dev.raftkit.grpc.proto.MemberProto;
import dev.raftkit.grpc.proto.MembershipProto;
import dev.raftkit.grpc.proto.ReadIndexRequestProto;
import dev.raftkit.grpc.proto.ReadIndexResponseProto;
import dev.raftkit.grpc.proto.RequestVoteProto;
import dev.raftkit.grpc.proto.SnapshotMetaProto;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.RaftMessage;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The transport-layer validation: what no valid message can carry is refused, naming the field. */
class WireCodecTest {

    private static final Envelope.Builder BASE = Envelope.newBuilder().setClusterId("c").setFrom("a").setTo("b");
    private static final MemberProto VOTER = MemberProto.newBuilder().setId("a").setHost("127.0.0.1").setPort(7000)
            .build();
    private static final SnapshotMetaProto META = SnapshotMetaProto.newBuilder().setIndex(5).setTerm(2).setSizeBytes(10)
            .setMembership(MembershipProto.newBuilder().addVoters(VOTER)).build();

    static Stream<Arguments> invalidEnvelopes() {
        return Stream.of(
                Arguments.of("from", BASE.clone().setFrom("not valid!").setHeartbeat(HeartbeatProto.getDefaultInstance())),
                Arguments.of("to", BASE.clone().setTo("").setHeartbeat(HeartbeatProto.getDefaultInstance())),
                Arguments.of("no body", BASE.clone()),
                Arguments.of("term", BASE.clone().setRequestVote(RequestVoteProto.newBuilder().setTerm(-1))),
                Arguments.of("term must be in [0, 281474976710656], was 9223372036854775807",
                        BASE.clone().setHeartbeat(HeartbeatProto.newBuilder().setTerm(Long.MAX_VALUE))),
                Arguments.of("term must be in [0, 281474976710656], was 281474976710657",
                        BASE.clone().setRequestVote(RequestVoteProto.newBuilder().setTerm(1)
                                .setLastLogTerm(RaftMessage.MAX_TERM + 1))),
                Arguments.of("term must be in [0, 281474976710656]", BASE.clone().setAppendEntries(
                        AppendEntriesProto.newBuilder().setTerm(1).setPrevLogTerm(Long.MAX_VALUE))),
                Arguments.of("term must be in [0, 281474976710656]", BASE.clone().setAppendEntries(
                        AppendEntriesProto.newBuilder().setTerm(1)
                                .addEntries(EntryProto.newBuilder().setIndex(1).setTerm(Long.MAX_VALUE)))),
                Arguments.of("term must be in [0, 281474976710656]", BASE.clone().setInstallSnapshot(
                        InstallSnapshotProto.newBuilder().setTerm(1).setMeta(META.toBuilder().setTerm(Long.MAX_VALUE)))),
                Arguments.of("lastLogIndex", BASE.clone().setRequestVote(RequestVoteProto.newBuilder().setLastLogIndex(-3))),
                Arguments.of("commitIndex", BASE.clone().setHeartbeat(HeartbeatProto.newBuilder().setCommitIndex(-1))),
                Arguments.of("readSeq", BASE.clone().setHeartbeat(HeartbeatProto.newBuilder().setReadSeq(Long.MIN_VALUE))),
                Arguments.of("requestId", BASE.clone().setReadIndexRequest(ReadIndexRequestProto.newBuilder()
                        .setRequestId(-1))),
                Arguments.of("readIndex", BASE.clone().setReadIndexResponse(ReadIndexResponseProto.newBuilder()
                        .setRequestId(1).setReadIndex(-1))),
                Arguments.of("term must be in [0, 281474976710656]", BASE.clone().setReadIndexResponse(
                        ReadIndexResponseProto.newBuilder().setTerm(RaftMessage.MAX_TERM + 1))),
                Arguments.of("contiguous", BASE.clone().setAppendEntries(AppendEntriesProto.newBuilder()
                        .setPrevLogIndex(Long.MAX_VALUE).addEntries(EntryProto.newBuilder().setIndex(1).setTerm(1)))),
                Arguments.of("entry kind", BASE.clone().setAppendEntries(AppendEntriesProto.newBuilder()
                        .addEntries(EntryProto.newBuilder().setIndex(1).setTerm(1).setKind(9)))),
                Arguments.of("log entry term", BASE.clone().setAppendEntries(AppendEntriesProto.newBuilder()
                        .addEntries(EntryProto.newBuilder().setIndex(1).setTerm(0)))),
                Arguments.of("no meta", BASE.clone().setInstallSnapshot(InstallSnapshotProto.getDefaultInstance())),
                Arguments.of("past the snapshot size", BASE.clone().setInstallSnapshot(InstallSnapshotProto.newBuilder()
                        .setMeta(META).setOffset(Long.MAX_VALUE).setData(ByteString.copyFrom(new byte[2])))),
                Arguments.of("crc32c", BASE.clone().setInstallSnapshot(InstallSnapshotProto.newBuilder()
                        .setMeta(META.toBuilder().setCrc32C(1L << 32)))),
                Arguments.of("listed twice", BASE.clone().setInstallSnapshot(InstallSnapshotProto.newBuilder()
                        .setMeta(META.toBuilder().setMembership(MembershipProto.newBuilder().addVoters(VOTER)
                                .addVoters(VOTER))))),
                Arguments.of("both voter and learner", BASE.clone().setInstallSnapshot(InstallSnapshotProto.newBuilder()
                        .setMeta(META.toBuilder().setMembership(MembershipProto.newBuilder().addVoters(VOTER)
                                .addLearners(VOTER))))),
                Arguments.of("port", BASE.clone().setInstallSnapshot(InstallSnapshotProto.newBuilder()
                        .setMeta(META.toBuilder().setMembership(MembershipProto.newBuilder()
                                .addVoters(VOTER.toBuilder().setPort(0)))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidEnvelopes")
    void refusesValuesNoValidMessageCarries(String named, Envelope.Builder envelope) {
        assertThatThrownBy(() -> WireCodec.decode(envelope.build()))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining(named);
    }

    @Test
    void passesImplausibleButWellFormedValuesToTheEngine() throws InvalidMessageException {
        Envelope envelope = BASE.clone().setHeartbeat(HeartbeatProto.newBuilder().setTerm(RaftMessage.MAX_TERM)
                .setCommitIndex(Long.MAX_VALUE).setReadSeq(0)).build();
        assertThat(WireCodec.decode(envelope))
                .isEqualTo(new Heartbeat(NodeId.of("a"), NodeId.of("b"), RaftMessage.MAX_TERM, Long.MAX_VALUE, 0));
    }

    @Test
    void encodesWhatItDecodes() throws InvalidMessageException {
        Heartbeat beat = new Heartbeat(NodeId.of("a"), NodeId.of("b"), 3, 4, 5);
        Envelope envelope = WireCodec.encode("c", "a.example:7001", beat);
        assertThat(envelope.getClusterId()).isEqualTo("c");
        assertThat(envelope.getFromAddress()).isEqualTo("a.example:7001");
        assertThat(WireCodec.decode(envelope)).isEqualTo(beat);
    }

    // Quiescence (issue 20) added the flag as a new field: a peer that sends the older message
    // (without it) is read as not quiescing, and the flag survives the trip.
    @Test
    void carriesTheQuiesceFlagWhichAnOlderPeerLeavesFalse() throws InvalidMessageException {
        Heartbeat quiescing = new Heartbeat(NodeId.of("a"), NodeId.of("b"), 3, 4, 5, true);
        Envelope envelope = WireCodec.encode("c", "a.example:7001", quiescing);
        assertThat(envelope.getHeartbeat().getQuiesce()).isTrue();
        assertThat(WireCodec.decode(envelope)).isEqualTo(quiescing);

        Envelope older = BASE.clone().setHeartbeat(HeartbeatProto.newBuilder().setTerm(3).setCommitIndex(4)
                .setReadSeq(5)).build();
        assertThat(((Heartbeat) WireCodec.decode(older)).quiesce()).isFalse();
    }
}
