package dev.raftkit.lmdb;

import dev.raftkit.Address;
import dev.raftkit.GroupId;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.SnapshotMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The records of the meta database: the format version, the hard state, the position the log
 * continues from, the latest snapshot, the log generation and the journal mark, and a host's layout and group records. Each value is {@code crc32c:int body}, checked on read,
 * so a damaged record is reported, never used.
 *
 * <p>Stateless and thread-safe.
 */
final class MetaRecords {

    /** Key of the format version record. */
    static final byte[] FORMAT = key("format");
    /** Key of the hard state record. */
    static final byte[] HARD_STATE = key("hardState");
    /** Key of the log start record: the index and term the log continues from. */
    static final byte[] LOG_START = key("logStart");
    /** Key of the latest snapshot record. */
    static final byte[] SNAPSHOT = key("snapshot");
    /**
     * Key of the log generation record: a counter every write of the log's entries, log start or
     * hard state raises, so a reader can tell which in-memory view matches its transaction.
     */
    static final byte[] GENERATION = key("generation");
    /** Key of the journal mark: which journal the store's records depend on; see {@link JournalMark}. */
    static final byte[] JOURNAL = key("journal");
    /**
     * Key of a host's layout record, whose value is the host format version: a store with it keeps
     * groups' logs under {@link Keyspace} prefixes.
     */
    static final byte[] HOST = key("host");
    /** Key (under a group's prefix) of the record that a host holds that group: its id. */
    static final byte[] GROUP = key("group");
    /** The keys (under a group's prefix) of every meta record of one log on a host. */
    static final List<byte[]> LOG_RECORDS = List.of(HARD_STATE, LOG_START, SNAPSHOT, GENERATION, GROUP);

    private MetaRecords() {
    }

    /** The position the log continues from: entries start at {@code index + 1}. */
    record LogStart(long index, long term) {
        static final LogStart EMPTY = new LogStart(0, 0);
    }

    /**
     * The journal the store expects beside LMDB: its id, and the epoch whose records the last
     * checkpoint moved into LMDB. Written with every checkpoint, before the journal starts the next
     * epoch, so the journal is at that epoch (a crash came before the next began) or the next one.
     */
    record JournalMark(long id, long epoch) {
    }

    /** The latest snapshot: its metadata and the name of its file in the snapshot directory. */
    record SnapshotRecord(SnapshotMeta meta, String fileName) {
    }

    /** Functional body writer that may throw {@link IOException} (never does: it writes to memory). */
    @FunctionalInterface
    private interface BodyWriter {
        void write(DataOutputStream out) throws IOException;
    }

    static byte[] encodeFormat(int version) {
        return seal(out -> out.writeInt(version));
    }

    static int decodeFormat(byte[] value, Path file) throws IOException {
        return open(value, "format version", file).readInt();
    }

    static byte[] encodeGeneration(long generation) {
        return seal(out -> out.writeLong(generation));
    }

    static long decodeGeneration(byte[] value, Path file) throws IOException {
        return open(value, "generation", file).readLong();
    }

    static byte[] encodeJournalMark(JournalMark mark) {
        return sealPair(mark.id(), mark.epoch());
    }

    static JournalMark decodeJournalMark(byte[] value, Path file) throws IOException {
        long[] pair = openPair(value, "journal mark", file);
        return new JournalMark(pair[0], pair[1]);
    }

    static byte[] encodeGroup(GroupId group) {
        return seal(out -> out.writeUTF(group.value()));
    }

    static GroupId decodeGroup(byte[] value, Path file) throws IOException {
        try {
            return GroupId.of(open(value, "group", file).readUTF());
        } catch (IllegalArgumentException e) {
            throw damaged("group", file, e);
        }
    }

    static byte[] encodeHardState(HardState state) {
        return seal(out -> {
            out.writeLong(state.term());
            out.writeLong(state.commitIndex());
            writeOptionalString(out, state.votedFor() == null ? null : state.votedFor().value());
        });
    }

    static HardState decodeHardState(byte[] value, Path file) throws IOException {
        DataInputStream in = open(value, "hard state", file);
        try {
            long term = in.readLong();
            long commitIndex = in.readLong();
            String vote = readOptionalString(in);
            return new HardState(term, vote == null ? null : NodeId.of(vote), commitIndex);
        } catch (IllegalArgumentException e) {
            throw damaged("hard state", file, e);
        }
    }

    static byte[] encodeLogStart(LogStart start) {
        return sealPair(start.index(), start.term());
    }

    static LogStart decodeLogStart(byte[] value, Path file) throws IOException {
        long[] pair = openPair(value, "log start", file);
        return new LogStart(pair[0], pair[1]);
    }

    static byte[] encodeSnapshot(SnapshotRecord record) {
        SnapshotMeta meta = record.meta();
        return seal(out -> {
            out.writeUTF(record.fileName());
            out.writeLong(meta.index());
            out.writeLong(meta.term());
            out.writeLong(meta.sizeBytes());
            out.writeLong(meta.crc32c());
            out.writeLong(meta.membership().index());
            writeMembers(out, meta.membership().voters());
            writeMembers(out, meta.membership().learners());
        });
    }

    static SnapshotRecord decodeSnapshot(byte[] value, Path file) throws IOException {
        DataInputStream in = open(value, "snapshot", file);
        try {
            String fileName = in.readUTF();
            long index = in.readLong();
            long term = in.readLong();
            long size = in.readLong();
            long crc = in.readLong();
            long membershipIndex = in.readLong();
            Map<NodeId, Address> voters = readMembers(in);
            Map<NodeId, Address> learners = readMembers(in);
            Membership membership = new Membership(membershipIndex, voters, learners);
            return new SnapshotRecord(new SnapshotMeta(index, term, membership, size, crc), fileName);
        } catch (IllegalArgumentException e) {
            throw damaged("snapshot", file, e);
        }
    }

    private static byte[] key(String name) {
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] seal(BodyWriter body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0);
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        byte[] value = bytes.toByteArray();
        ByteBuffer.wrap(value).putInt(0, checksum(value));
        return value;
    }

    /** Seals a record of two longs. */
    private static byte[] sealPair(long first, long second) {
        return seal(out -> {
            out.writeLong(first);
            out.writeLong(second);
        });
    }

    /** Opens a record {@link #sealPair} sealed; returns its two longs. */
    private static long[] openPair(byte[] value, String what, Path file) throws IOException {
        DataInputStream in = open(value, what, file);
        return new long[] {in.readLong(), in.readLong()};
    }

    private static DataInputStream open(byte[] value, String what, Path file) throws IOException {
        if (value.length < Integer.BYTES || ByteBuffer.wrap(value).getInt(0) != checksum(value)) {
            throw new IOException("the " + what + " record in " + file + " failed its CRC32C check");
        }
        return new DataInputStream(new ByteArrayInputStream(Arrays.copyOfRange(value, Integer.BYTES,
                value.length)));
    }

    private static int checksum(byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(value, Integer.BYTES, value.length - Integer.BYTES);
        return (int) crc.getValue();
    }

    private static IOException damaged(String what, Path file, Exception cause) {
        return new IOException("the " + what + " record in " + file + " is damaged: " + cause.getMessage(), cause);
    }

    private static void writeOptionalString(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }

    private static String readOptionalString(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeMembers(DataOutputStream out, Map<NodeId, Address> members) throws IOException {
        out.writeInt(members.size());
        for (Map.Entry<NodeId, Address> member : members.entrySet()) {
            out.writeUTF(member.getKey().value());
            out.writeUTF(member.getValue().host());
            out.writeInt(member.getValue().port());
        }
    }

    private static Map<NodeId, Address> readMembers(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("negative member count " + count);
        }
        Map<NodeId, Address> members = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            members.put(NodeId.of(in.readUTF()), new Address(in.readUTF(), in.readInt()));
        }
        return members;
    }
}
