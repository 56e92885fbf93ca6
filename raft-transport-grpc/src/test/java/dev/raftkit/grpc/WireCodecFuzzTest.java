package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.proto.Envelope;
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
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Seeded fuzzing of the inbound decoder, the path every received byte takes (the envelope parsed
 * in place, then {@link WireCodec#decode}): random bytes, and valid encoded envelopes
 * with bits flipped and bytes inserted or deleted. Each input either fails on the documented path
 * ({@link InvalidProtocolBufferException}: {@code MALFORMED}; {@link InvalidMessageException}:
 * {@code INVALID_FIELD}), or decodes to a message that passes validation again when re-encoded,
 * the only kind that may reach the message handler. Nothing else may be thrown. jqwik reports the
 * seed of a failing run; the properties use fixed seeds so a run is repeatable.
 */
class WireCodecFuzzTest {

    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");

    @Property(tries = 3000, seed = "20260515")
    void mutatedEnvelopesFailOnlyOnTheDocumentedPath(@ForAll("validEnvelopes") byte[] valid,
            @ForAll("mutationSeeds") long mutationSeed) {
        checkInbound(mutate(valid, new Random(mutationSeed)));
    }

    @Property(tries = 3000, seed = "20260516")
    void randomBytesFailOnlyOnTheDocumentedPath(@ForAll("randomBytes") byte[] bytes) {
        checkInbound(bytes);
    }

    @Property(tries = 300, seed = "20260517")
    void validEnvelopesDecode(@ForAll("validEnvelopes") byte[] valid) throws Exception {
        assertThat(WireCodec.decode(Envelope.parseFrom(valid))).isNotNull();
    }

    /** Runs {@code bytes} through the inbound decoder and checks what comes out. */
    private static void checkInbound(byte[] bytes) {
        Envelope envelope;
        try {
            envelope = Envelope.parser().parseFrom(InboundService.inPlace(bytes));
        } catch (InvalidProtocolBufferException malformed) {
            return; // MALFORMED: the stream is ended, nothing handed on
        }
        RaftMessage message;
        try {
            message = WireCodec.decode(envelope);
        } catch (InvalidMessageException invalid) {
            assertThat(invalid.getMessage()).as("an invalid message names what was wrong").isNotBlank();
            return; // INVALID_FIELD: counted, nothing handed on
        }
        // What would reach the handler is a valid message: it survives validation again unchanged.
        Envelope again = WireCodec.encode(envelope.getClusterId(), envelope.getFromAddress(), message);
        RaftMessage redecoded;
        try {
            redecoded = WireCodec.decode(again);
        } catch (InvalidMessageException e) {
            throw new AssertionError("decoded " + message + " but its own encoding fails validation: " + e.getMessage());
        }
        assertThat(WireCodec.encode(envelope.getClusterId(), envelope.getFromAddress(), redecoded)).isEqualTo(again);
    }

    /** Flips bits, inserts and deletes bytes: one to eight edits, chosen by {@code random}. */
    private static byte[] mutate(byte[] valid, Random random) {
        List<Byte> bytes = new ArrayList<>(valid.length + 8);
        for (byte b : valid) {
            bytes.add(b);
        }
        int edits = 1 + random.nextInt(8);
        for (int i = 0; i < edits; i++) {
            int at = bytes.isEmpty() ? 0 : random.nextInt(bytes.size());
            switch (random.nextInt(3)) {
                case 0 -> {
                    if (!bytes.isEmpty()) {
                        bytes.set(at, (byte) (bytes.get(at) ^ (1 << random.nextInt(8))));
                    }
                }
                case 1 -> bytes.add(at, (byte) random.nextInt(256));
                default -> {
                    if (!bytes.isEmpty()) {
                        bytes.remove(at);
                    }
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.size());
        bytes.forEach(out::write);
        return out.toByteArray();
    }

    @Provide
    Arbitrary<Long> mutationSeeds() {
        return Arbitraries.longs();
    }

    @Provide
    Arbitrary<byte[]> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(512);
    }

    /** Encoded envelopes of every message type, with random valid field values. */
    @Provide
    Arbitrary<byte[]> validEnvelopes() {
        Arbitrary<Long> terms = Arbitraries.longs().between(0, 1_000_000);
        Arbitrary<Long> indexes = Arbitraries.longs().between(0, 1_000_000);
        Arbitrary<Boolean> flags = Arbitraries.of(true, false);
        Arbitrary<byte[]> payloads = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        Arbitrary<RaftMessage> messages = Arbitraries.oneOf(
                Combinators.combine(terms, indexes, terms, flags, flags)
                        .as((t, i, lt, pre, transfer) -> new RequestVote(A, B, t, i, lt, pre, transfer)),
                Combinators.combine(terms, flags, flags)
                        .as((t, granted, pre) -> new RequestVoteResponse(A, B, t, granted, pre)),
                Combinators.combine(terms, indexes, payloads.list().ofMaxSize(4), indexes)
                        .as((t, prev, bodies, commit) -> append(t, prev, bodies, commit)),
                Combinators.combine(terms, flags, indexes, indexes, terms)
                        .as((t, ok, i, hint, hintTerm) -> new AppendEntriesResponse(A, B, t, ok, i, hint, hintTerm)),
                Combinators.combine(terms, indexes, indexes, flags)
                        .as((t, commit, seq, quiesce) -> new Heartbeat(A, B, t, commit, seq, quiesce)),
                Combinators.combine(terms, indexes, indexes)
                        .as((t, seq, last) -> new HeartbeatResponse(A, B, t, seq, last)),
                Combinators.combine(terms, indexes, payloads, flags)
                        .as((t, i, data, done) -> chunk(t, i, data, done)),
                Combinators.combine(terms, indexes, indexes, flags)
                        .as((t, i, offset, done) -> new InstallSnapshotResponse(A, B, t, i, offset, done)),
                terms.map(t -> new TimeoutNow(A, B, t)),
                Combinators.combine(terms, indexes).as((t, id) -> new ReadIndexRequest(A, B, t, id)),
                Combinators.combine(terms, indexes, indexes)
                        .as((t, id, index) -> new ReadIndexResponse(A, B, t, id, index)));
        return messages.map(m -> WireCodec.encode("cluster", "127.0.0.1:7000", m).toByteArray());
    }

    private static AppendEntries append(long term, long prev, List<byte[]> bodies, long commit) {
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            entries.add(new LogEntry(prev + 1 + i, Math.max(1, term), EntryKind.COMMAND, bodies.get(i)));
        }
        return new AppendEntries(A, B, term, prev, term, entries, commit);
    }

    private static InstallSnapshot chunk(long term, long index, byte[] data, boolean done) {
        Membership membership = new Membership(0, Map.of(A, new Address("127.0.0.1", 7000)), Map.of());
        SnapshotMeta meta = new SnapshotMeta(Math.max(1, index), Math.max(1, term), membership, data.length + 10L, 42);
        return new InstallSnapshot(A, B, term, meta, 10, data, done);
    }
}
