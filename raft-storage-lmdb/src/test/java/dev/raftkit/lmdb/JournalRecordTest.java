package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.lmdb.MetaRecords.LogStart;
import dev.raftkit.lmdb.MetaRecords.SnapshotRecord;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.SnapshotMeta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The journal payloads of persist, compact and snapshot records: round trips, and damage reported with file and offset. */
class JournalRecordTest {

    private static final Path FILE = Path.of("/data/lmdb/journal");
    private static final List<LogEntry> ENTRIES = List.of(
            new LogEntry(7, 2, EntryKind.NOOP, new byte[0]),
            new LogEntry(8, 2, EntryKind.COMMAND, new byte[] {1, 2, 3}),
            new LogEntry(9, 3, EntryKind.MEMBERSHIP, new byte[300]));

    @Test
    void roundTripsWithAndWithoutHardStateAndEntries() throws IOException {
        for (PersistRecord record : List.of(
                new PersistRecord(new HardState(3, NodeId.of("b"), 8), ENTRIES),
                new PersistRecord(null, ENTRIES),
                new PersistRecord(new HardState(4, null, 0), List.of()),
                new PersistRecord(null, List.of()))) {
            assertThat(JournalRecord.decode(ByteBuffer.wrap(record.encode()), FILE, 4096)).isEqualTo(record);
        }
    }

    @Test
    void compactionRoundTripsAndIsToldApartFromPersists() throws IOException {
        CompactRecord record = new CompactRecord(new LogStart(1024, 7));
        assertThat(JournalRecord.decode(ByteBuffer.wrap(record.encode()), FILE, 4096)).isEqualTo(record);
        assertThat(record.encode()[0]).isEqualTo(JournalRecord.COMPACT);
        assertThat(new PersistRecord(null, ENTRIES).encode()[0]).isEqualTo(JournalRecord.PERSIST);
        assertThat(new PersistRecord(new HardState(1, null, 0), ENTRIES).encode()[0])
                .isEqualTo(JournalRecord.PERSIST_WITH_HARD_STATE);
    }

    @Test
    void snapshotRoundTripsAndADamagedOneIsReportedWithFileAndOffset() throws IOException {
        Membership membership = new Membership(2, Map.of(NodeId.of("a"), new Address("127.0.0.1", 7000)), Map.of());
        SnapshotJournalRecord record = new SnapshotJournalRecord(
                new SnapshotRecord(new SnapshotMeta(300, 4, membership, 1234, 0xCAFE), "snapshot-300.snap"));
        byte[] encoded = record.encode();
        assertThat(encoded[0]).isEqualTo(JournalRecord.SNAPSHOT);
        assertThat(JournalRecord.decode(ByteBuffer.wrap(encoded), FILE, 4096)).isEqualTo(record);

        encoded[encoded.length / 2] ^= 0x01;
        assertThatThrownBy(() -> JournalRecord.decode(ByteBuffer.wrap(encoded), FILE, 8192))
                .isInstanceOf(IOException.class).hasMessageContaining("offset 8192")
                .hasMessageContaining(FILE.toString());
    }

    @Test
    void unknownKindAndBadCompactionAreReportedWithFileAndOffset() {
        byte[] unknown = new CompactRecord(new LogStart(5, 1)).encode();
        unknown[0] = 9;
        assertThatThrownBy(() -> JournalRecord.decode(ByteBuffer.wrap(unknown), FILE, 4160))
                .isInstanceOf(IOException.class).hasMessageContaining("unknown record kind 9")
                .hasMessageContaining("offset 4160").hasMessageContaining(FILE.toString());
        byte[] zeroTerm = new CompactRecord(new LogStart(5, 0)).encode();
        assertThatThrownBy(() -> JournalRecord.decode(ByteBuffer.wrap(zeroTerm), FILE, 4096))
                .isInstanceOf(IOException.class).hasMessageContaining("term 0");
        byte[] longer = Arrays.copyOf(new CompactRecord(new LogStart(5, 1)).encode(), 18);
        assertThatThrownBy(() -> JournalRecord.decode(ByteBuffer.wrap(longer), FILE, 4096))
                .isInstanceOf(IOException.class).hasMessageContaining("1 bytes follow");
    }

    @Test
    void truncatedPayloadIsReportedWithFileAndOffset() {
        byte[] payload = new PersistRecord(null, ENTRIES).encode();
        assertThatThrownBy(() -> JournalRecord.decode(ByteBuffer.wrap(Arrays.copyOf(payload, payload.length - 1)),
                FILE, 8192)).isInstanceOf(IOException.class)
                .hasMessageContaining("offset 8192").hasMessageContaining(FILE.toString());
    }

    @Test
    void damagedEntryIsReportedByIndex() {
        byte[] payload = new PersistRecord(null, ENTRIES).encode();
        payload[payload.length - 1] ^= 1; // inside entry 9's payload
        assertThatThrownBy(() -> JournalRecord.decode(ByteBuffer.wrap(payload), FILE, 4096))
                .isInstanceOf(IOException.class).hasMessageContaining("entry 9").hasMessageContaining("CRC32C");
    }
}
