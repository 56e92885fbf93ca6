package dev.raftkit.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.proto.AppendEntriesProto;
import dev.raftkit.grpc.proto.AppendEntriesResponseProto;
import dev.raftkit.grpc.proto.EntryProto;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.grpc.proto.HeartbeatProto;
import dev.raftkit.grpc.proto.HeartbeatResponseProto;
import dev.raftkit.grpc.proto.InstallSnapshotProto;
import dev.raftkit.grpc.proto.InstallSnapshotResponseProto;
import dev.raftkit.grpc.proto.MemberProto;
import dev.raftkit.grpc.proto.MembershipProto;
import dev.raftkit.grpc.proto.RequestVoteProto;
import dev.raftkit.grpc.proto.RequestVoteResponseProto;
import dev.raftkit.grpc.proto.SnapshotMetaProto;
import dev.raftkit.grpc.proto.ReadIndexRequestProto;
import dev.raftkit.grpc.proto.ReadIndexResponseProto;
import dev.raftkit.grpc.proto.TimeoutNowProto;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.InstallSnapshot;
import dev.raftkit.spi.InstallSnapshotResponse;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.RequestVoteResponse;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.ReadIndexRequest;
import dev.raftkit.spi.ReadIndexResponse;
import dev.raftkit.spi.TimeoutNow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Converts {@link RaftMessage}s to their protobuf {@link Envelope} and back.
 *
 * <p>Decoding validates what no valid message can carry and throws {@link InvalidMessageException}
 * naming it: ids that are not valid {@link NodeId}s, a missing body, a negative index, offset or
 * sequence number, a term (of the message, an entry, a snapshot, the last or previous log) outside
 * {@code [0, }{@link RaftMessage#MAX_TERM}{@code ]}, an unknown entry kind, entries that are not contiguous from
 * {@code prevLogIndex + 1}, snapshot metadata the {@code SnapshotMeta} and {@code Membership}
 * constructors refuse, a CRC outside 32 bits, or a chunk reaching past the snapshot's size. Values
 * that are well-formed but implausible for the receiver's state (a valid term far ahead, an index
 * beyond its log) are the engine's to judge, because only the engine knows its state.
 *
 * <p>An AppendEntries' entries travel packed in one {@link EntryBlock}; entries sent one message
 * each, as 0.2 nodes do, are still read, so a cluster can be upgraded one node at a time.
 *
 * <p>Snapshot chunks are wrapped, not copied, when encoding (they are immutable by the SPI's
 * contract); decoding copies payloads and chunks out of the received buffer. Stateless and thread-safe.
 */
final class WireCodec {

    private static final long MAX_CRC32C = 0xFFFF_FFFFL;

    private WireCodec() {
    }

    /**
     * Encodes {@code message} with the sender's {@code clusterId} and the address the sender is
     * reached at ({@code host:port}), so that a receiver that does not know the sender yet can
     * reply to it.
     */
    static Envelope encode(String clusterId, String fromAddress, RaftMessage message) {
        return encode(message).setClusterId(clusterId).setFromAddress(fromAddress).build();
    }

    /**
     * Encodes the sender, receiver and body of {@code message}, for the caller to add the identity
     * fields of its frame (a single node's cluster id and address, or a host batch's group id).
     */
    static Envelope.Builder encode(RaftMessage message) {
        Envelope.Builder envelope = Envelope.newBuilder()
                .setFrom(message.from().value())
                .setTo(message.to().value());
        if (message instanceof RequestVote m) {
            envelope.setRequestVote(RequestVoteProto.newBuilder().setTerm(m.term()).setLastLogIndex(m.lastLogIndex())
                    .setLastLogTerm(m.lastLogTerm()).setPreVote(m.preVote())
                    .setLeadershipTransfer(m.leadershipTransfer()));
        } else if (message instanceof RequestVoteResponse m) {
            envelope.setRequestVoteResponse(RequestVoteResponseProto.newBuilder().setTerm(m.term())
                    .setGranted(m.granted()).setPreVote(m.preVote()));
        } else if (message instanceof AppendEntries m) {
            AppendEntriesProto.Builder append = AppendEntriesProto.newBuilder().setTerm(m.term())
                    .setPrevLogIndex(m.prevLogIndex()).setPrevLogTerm(m.prevLogTerm())
                    .setLeaderCommit(m.leaderCommit());
            if (!m.entries().isEmpty()) {
                append.setEntryBlock(EntryBlock.encode(m.entries()));
            }
            envelope.setAppendEntries(append);
        } else if (message instanceof AppendEntriesResponse m) {
            envelope.setAppendEntriesResponse(AppendEntriesResponseProto.newBuilder().setTerm(m.term())
                    .setSuccess(m.success()).setIndex(m.index()).setHintIndex(m.hintIndex())
                    .setHintTerm(m.hintTerm()));
        } else if (message instanceof Heartbeat m) {
            envelope.setHeartbeat(HeartbeatProto.newBuilder().setTerm(m.term()).setCommitIndex(m.commitIndex())
                    .setReadSeq(m.readSeq()).setQuiesce(m.quiesce()));
        } else if (message instanceof HeartbeatResponse m) {
            envelope.setHeartbeatResponse(HeartbeatResponseProto.newBuilder().setTerm(m.term())
                    .setReadSeq(m.readSeq()).setLastLogIndex(m.lastLogIndex()));
        } else if (message instanceof InstallSnapshot m) {
            envelope.setInstallSnapshot(InstallSnapshotProto.newBuilder().setTerm(m.term())
                    .setMeta(encodeMeta(m.meta())).setOffset(m.offset()).setData(wrap(m.data()))
                    .setDone(m.done()));
        } else if (message instanceof InstallSnapshotResponse m) {
            envelope.setInstallSnapshotResponse(InstallSnapshotResponseProto.newBuilder().setTerm(m.term())
                    .setSnapshotIndex(m.snapshotIndex()).setNextOffset(m.nextOffset()).setInstalled(m.installed()));
        } else if (message instanceof TimeoutNow m) {
            envelope.setTimeoutNow(TimeoutNowProto.newBuilder().setTerm(m.term()));
        } else if (message instanceof ReadIndexRequest m) {
            envelope.setReadIndexRequest(ReadIndexRequestProto.newBuilder().setTerm(m.term())
                    .setRequestId(m.requestId()));
        } else if (message instanceof ReadIndexResponse m) {
            envelope.setReadIndexResponse(ReadIndexResponseProto.newBuilder().setTerm(m.term())
                    .setRequestId(m.requestId()).setReadIndex(m.readIndex()));
        } else {
            throw new IllegalArgumentException("unknown message type " + message.getClass().getName());
        }
        return envelope;
    }

    /**
     * Decodes and validates the message of {@code envelope}; identity checks (cluster, sender,
     * recipient) are the caller's.
     *
     * @throws InvalidMessageException naming the first field no valid message can carry
     */
    static RaftMessage decode(Envelope envelope) throws InvalidMessageException {
        NodeId from = nodeId("from", envelope.getFrom());
        NodeId to = nodeId("to", envelope.getTo());
        try {
            return switch (envelope.getBodyCase()) {
                case REQUEST_VOTE -> {
                    RequestVoteProto m = envelope.getRequestVote();
                    yield new RequestVote(from, to, term(m.getTerm()), index("lastLogIndex", m.getLastLogIndex()),
                            term(m.getLastLogTerm()), m.getPreVote(), m.getLeadershipTransfer());
                }
                case REQUEST_VOTE_RESPONSE -> {
                    RequestVoteResponseProto m = envelope.getRequestVoteResponse();
                    yield new RequestVoteResponse(from, to, term(m.getTerm()), m.getGranted(), m.getPreVote());
                }
                case APPEND_ENTRIES -> decodeAppend(from, to, envelope.getAppendEntries());
                case APPEND_ENTRIES_RESPONSE -> {
                    AppendEntriesResponseProto m = envelope.getAppendEntriesResponse();
                    yield new AppendEntriesResponse(from, to, term(m.getTerm()), m.getSuccess(),
                            index("index", m.getIndex()), index("hintIndex", m.getHintIndex()),
                            term(m.getHintTerm()));
                }
                case HEARTBEAT -> {
                    HeartbeatProto m = envelope.getHeartbeat();
                    yield new Heartbeat(from, to, term(m.getTerm()), index("commitIndex", m.getCommitIndex()),
                            index("readSeq", m.getReadSeq()), m.getQuiesce());
                }
                case HEARTBEAT_RESPONSE -> {
                    HeartbeatResponseProto m = envelope.getHeartbeatResponse();
                    yield new HeartbeatResponse(from, to, term(m.getTerm()), index("readSeq", m.getReadSeq()),
                            index("lastLogIndex", m.getLastLogIndex()));
                }
                case INSTALL_SNAPSHOT -> decodeChunk(from, to, envelope.getInstallSnapshot());
                case INSTALL_SNAPSHOT_RESPONSE -> {
                    InstallSnapshotResponseProto m = envelope.getInstallSnapshotResponse();
                    yield new InstallSnapshotResponse(from, to, term(m.getTerm()),
                            index("snapshotIndex", m.getSnapshotIndex()), index("nextOffset", m.getNextOffset()),
                            m.getInstalled());
                }
                case TIMEOUT_NOW -> new TimeoutNow(from, to, term(envelope.getTimeoutNow().getTerm()));
                case READ_INDEX_REQUEST -> {
                    ReadIndexRequestProto m = envelope.getReadIndexRequest();
                    yield new ReadIndexRequest(from, to, term(m.getTerm()), index("requestId", m.getRequestId()));
                }
                case READ_INDEX_RESPONSE -> {
                    ReadIndexResponseProto m = envelope.getReadIndexResponse();
                    yield new ReadIndexResponse(from, to, term(m.getTerm()), index("requestId", m.getRequestId()),
                            index("readIndex", m.getReadIndex()));
                }
                case BODY_NOT_SET -> throw new InvalidMessageException("message has no body");
            };
        } catch (IllegalArgumentException e) {
            throw new InvalidMessageException(e.getMessage());
        }
    }

    private static AppendEntries decodeAppend(NodeId from, NodeId to, AppendEntriesProto m)
            throws InvalidMessageException {
        long prevLogIndex = index("prevLogIndex", m.getPrevLogIndex());
        if (!m.getEntryBlock().isEmpty() && m.getEntriesCount() > 0) {
            throw new InvalidMessageException("AppendEntries carries both entries and an entry block");
        }
        List<LogEntry> entries = m.getEntryBlock().isEmpty() ? decodeEntries(prevLogIndex, m)
                : EntryBlock.decode(prevLogIndex, m.getEntryBlock());
        return new AppendEntries(from, to, term(m.getTerm()), prevLogIndex, term(m.getPrevLogTerm()), entries,
                index("leaderCommit", m.getLeaderCommit()));
    }

    /** The entries of a 0.2 sender, one protobuf message each. */
    private static List<LogEntry> decodeEntries(long prevLogIndex, AppendEntriesProto m)
            throws InvalidMessageException {
        List<LogEntry> entries = new ArrayList<>(m.getEntriesCount());
        for (int i = 0; i < m.getEntriesCount(); i++) {
            EntryProto entry = m.getEntries(i);
            if (entry.getIndex() - prevLogIndex != i + 1) { // no overflow: both are >= 0
                throw new InvalidMessageException("entries must be contiguous from prevLogIndex + 1 = "
                        + (prevLogIndex + 1) + ", entry " + i + " has index " + entry.getIndex());
            }
            entries.add(new LogEntry(entry.getIndex(), term(entry.getTerm()), EntryKind.ofCode(entry.getKind()),
                    entry.getPayload().toByteArray()));
        }
        return entries;
    }

    private static InstallSnapshot decodeChunk(NodeId from, NodeId to, InstallSnapshotProto m)
            throws InvalidMessageException {
        if (!m.hasMeta()) {
            throw new InvalidMessageException("snapshot chunk has no meta");
        }
        SnapshotMeta meta = decodeMeta(m.getMeta());
        long offset = index("offset", m.getOffset());
        if (offset > meta.sizeBytes() - m.getData().size()) {
            throw new InvalidMessageException("snapshot chunk at offset " + offset + " with " + m.getData().size()
                    + " bytes reaches past the snapshot size " + meta.sizeBytes());
        }
        return new InstallSnapshot(from, to, term(m.getTerm()), meta, offset, m.getData().toByteArray(), m.getDone());
    }

    private static SnapshotMetaProto encodeMeta(SnapshotMeta meta) {
        Membership membership = meta.membership();
        MembershipProto.Builder members = MembershipProto.newBuilder().setIndex(membership.index());
        membership.voters().forEach((id, address) -> members.addVoters(encodeMember(id, address)));
        membership.learners().forEach((id, address) -> members.addLearners(encodeMember(id, address)));
        return SnapshotMetaProto.newBuilder().setIndex(meta.index()).setTerm(meta.term()).setMembership(members)
                .setSizeBytes(meta.sizeBytes()).setCrc32C(meta.crc32c()).build();
    }

    private static MemberProto encodeMember(NodeId id, Address address) {
        return MemberProto.newBuilder().setId(id.value()).setHost(address.host()).setPort(address.port()).build();
    }

    private static SnapshotMeta decodeMeta(SnapshotMetaProto m) throws InvalidMessageException {
        if (!m.hasMembership()) {
            throw new InvalidMessageException("snapshot meta has no membership");
        }
        if (m.getCrc32C() < 0 || m.getCrc32C() > MAX_CRC32C) {
            throw new InvalidMessageException("snapshot crc32c must be in [0, 2^32 - 1], was " + m.getCrc32C());
        }
        MembershipProto members = m.getMembership();
        Membership membership = new Membership(members.getIndex(), decodeMembers("voter", members.getVotersList()),
                decodeMembers("learner", members.getLearnersList()));
        return new SnapshotMeta(m.getIndex(), term(m.getTerm()), membership, m.getSizeBytes(), m.getCrc32C());
    }

    private static Map<NodeId, Address> decodeMembers(String role, List<MemberProto> members)
            throws InvalidMessageException {
        Map<NodeId, Address> decoded = new TreeMap<>();
        for (MemberProto member : members) {
            NodeId id = nodeId(role, member.getId());
            if (decoded.put(id, new Address(member.getHost(), member.getPort())) != null) {
                throw new InvalidMessageException(role + " " + id + " is listed twice");
            }
        }
        return decoded;
    }

    private static NodeId nodeId(String field, String value) throws InvalidMessageException {
        try {
            return NodeId.of(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidMessageException(field + ": " + e.getMessage());
        }
    }

    private static long term(long value) throws InvalidMessageException {
        if (value < 0 || value > RaftMessage.MAX_TERM) {
            throw new InvalidMessageException("term must be in [0, " + RaftMessage.MAX_TERM + "], was " + value);
        }
        return value;
    }

    private static long index(String field, long value) throws InvalidMessageException {
        if (value < 0) {
            throw new InvalidMessageException(field + " must be >= 0, was " + value);
        }
        return value;
    }

    private static ByteString wrap(byte[] bytes) {
        return UnsafeByteOperations.unsafeWrap(bytes);
    }
}
