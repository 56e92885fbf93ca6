package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.proto.AppendEntriesProto;
import dev.raftkit.grpc.proto.EntryProto;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The packed entries of an AppendEntries: what is encoded decodes the same, and damage is refused by name. */
class EntryBlockTest {

    private static final List<LogEntry> ENTRIES = List.of(
            new LogEntry(8, 3, EntryKind.COMMAND, "first".getBytes(StandardCharsets.UTF_8)),
            new LogEntry(9, 3, EntryKind.NOOP, new byte[0]),
            new LogEntry(10, RaftMessage.MAX_TERM, EntryKind.MEMBERSHIP, new byte[300]));

    @Test
    void decodesWhatItEncodesWithIndexesFromThePreviousEntry() throws InvalidMessageException {
        assertThat(EntryBlock.decode(7, EntryBlock.encode(ENTRIES))).isEqualTo(ENTRIES);
        assertThat(EntryBlock.decode(0, EntryBlock.encode(List.of()))).isEmpty();
    }

    @Test
    void anAppendEntriesCarriesItsEntriesInOneBlock() throws InvalidMessageException {
        AppendEntries append = new AppendEntries(NodeId.of("a"), NodeId.of("b"), 3, 7, 2, ENTRIES, 6);
        Envelope envelope = WireCodec.encode("c", "127.0.0.1:7000", append);
        assertThat(envelope.getAppendEntries().getEntriesCount()).isZero();
        assertThat(envelope.getAppendEntries().getEntryBlock().isEmpty()).isFalse();
        assertThat(WireCodec.decode(envelope)).isEqualTo(append);
    }

    @Test
    void entriesOfAnOlderSenderOneMessageEachAreStillRead() throws InvalidMessageException {
        AppendEntriesProto.Builder older = AppendEntriesProto.newBuilder().setTerm(3).setPrevLogIndex(7)
                .setPrevLogTerm(2).setLeaderCommit(6);
        for (LogEntry entry : ENTRIES) {
            older.addEntries(EntryProto.newBuilder().setIndex(entry.index()).setTerm(entry.term())
                    .setKind(entry.kind().code()).setPayload(ByteString.copyFrom(entry.payload())));
        }
        Envelope envelope = Envelope.newBuilder().setClusterId("c").setFrom("a").setTo("b").setAppendEntries(older)
                .build();
        assertThat(((AppendEntries) WireCodec.decode(envelope)).entries()).isEqualTo(ENTRIES);
    }

    @Test
    void refusesAMessageWithBothKindsOfEntries() {
        Envelope both = Envelope.newBuilder().setClusterId("c").setFrom("a").setTo("b")
                .setAppendEntries(AppendEntriesProto.newBuilder().setTerm(3).setPrevLogIndex(7)
                        .addEntries(EntryProto.newBuilder().setIndex(8).setTerm(3))
                        .setEntryBlock(EntryBlock.encode(ENTRIES)))
                .build();
        assertThatThrownBy(() -> WireCodec.decode(both)).isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("both entries and an entry block");
    }

    @Test
    void refusesEveryTruncationOfABlock() {
        byte[] valid = EntryBlock.encode(ENTRIES).toByteArray();
        for (int length = 0; length < valid.length; length++) {
            ByteString cut = ByteString.copyFrom(Arrays.copyOf(valid, length));
            assertThatThrownBy(() -> EntryBlock.decode(7, cut)).as("first %d of %d bytes", cut.size(), valid.length)
                    .isInstanceOf(InvalidMessageException.class).hasMessageContaining("entry block");
        }
    }

    @Test
    void refusesBytesAfterTheLastEntry() {
        ByteString longer = EntryBlock.encode(ENTRIES).concat(ByteString.copyFrom(new byte[] {1, 2}));
        assertThatThrownBy(() -> EntryBlock.decode(7, longer)).isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("2 bytes after its 3 entries");
    }

    @Test
    void refusesACountItsBytesCannotHoldBeforeMakingRoomForIt() {
        assertThatThrownBy(() -> EntryBlock.decode(7, block(out -> out.writeUInt32NoTag(Integer.MAX_VALUE))))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("cannot hold the 2147483647 entries");
        assertThatThrownBy(() -> EntryBlock.decode(7, block(out -> out.writeUInt32NoTag(-1))))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("cannot hold the 4294967295 entries");
    }

    @Test
    void refusesTermsOutsideTheirRangeAndUnknownKinds() {
        assertThatThrownBy(() -> EntryBlock.decode(7, entry(0, EntryKind.COMMAND.code(), 0)))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("term must be in [1, ");
        assertThatThrownBy(() -> EntryBlock.decode(7, entry(RaftMessage.MAX_TERM + 1, EntryKind.COMMAND.code(), 0)))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("was 281474976710657");
        assertThatThrownBy(() -> EntryBlock.decode(7, entry(-1, EntryKind.COMMAND.code(), 0)))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("was 18446744073709551615");
        assertThatThrownBy(() -> EntryBlock.decode(7, entry(1, 9, 0)))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("unknown entry kind code 9");
    }

    @Test
    void refusesAPayloadLengthBeyondTheBlock() {
        assertThatThrownBy(() -> EntryBlock.decode(7, entry(1, EntryKind.COMMAND.code(), 1000)))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("truncated or malformed");
        assertThatThrownBy(() -> EntryBlock.decode(7, entry(1, EntryKind.COMMAND.code(), -5)))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("truncated or malformed");
    }

    @Test
    void refusesIndexesPastTheLargestLong() {
        assertThatThrownBy(() -> EntryBlock.decode(Long.MAX_VALUE, EntryBlock.encode(ENTRIES)))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("index must be >= 1");
    }

    /** A block of one entry of the given term and kind, claiming {@code length} payload bytes and holding none. */
    private static ByteString entry(long term, int kind, int length) {
        return block(out -> {
            out.writeUInt32NoTag(1);
            out.writeUInt64NoTag(term);
            out.writeUInt32NoTag(kind);
            out.writeInt32NoTag(length);
        });
    }

    private interface Writes {
        void to(CodedOutputStream out) throws IOException;
    }

    private static ByteString block(Writes writes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            writes.to(out);
            out.flush();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return ByteString.copyFrom(bytes.toByteArray());
    }
}
