package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The journal payload of one persist call: round trips, and damage reported with file and offset. */
class PersistRecordTest {

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
            assertThat(PersistRecord.decode(ByteBuffer.wrap(record.encode()), FILE, 4096)).isEqualTo(record);
        }
    }

    @Test
    void truncatedPayloadIsReportedWithFileAndOffset() {
        byte[] payload = new PersistRecord(null, ENTRIES).encode();
        assertThatThrownBy(() -> PersistRecord.decode(ByteBuffer.wrap(Arrays.copyOf(payload, payload.length - 1)),
                FILE, 8192)).isInstanceOf(IOException.class)
                .hasMessageContaining("offset 8192").hasMessageContaining(FILE.toString());
    }

    @Test
    void damagedEntryIsReportedByIndex() {
        byte[] payload = new PersistRecord(null, ENTRIES).encode();
        payload[payload.length - 1] ^= 1; // inside entry 9's payload
        assertThatThrownBy(() -> PersistRecord.decode(ByteBuffer.wrap(payload), FILE, 4096))
                .isInstanceOf(IOException.class).hasMessageContaining("entry 9").hasMessageContaining("CRC32C");
    }
}
