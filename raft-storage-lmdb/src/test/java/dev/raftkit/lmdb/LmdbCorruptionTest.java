package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damages the files of a closed store and checks that reading reports the damage, naming the index
 * or record and the file, and never hands out wrong data (snapshot files: {@link LmdbSnapshotDamageTest}).
 * Writes reach {@code data.mdb} from the journal when the store is opened again, so each test
 * reopens once before damaging it.
 */
class LmdbCorruptionTest {

    private static final Map<String, String> OPTIONS = Map.of();

    @TempDir
    Path dir;

    @Test
    void flippedByteInAnEntryPayloadIsReportedWithIndexAndFile() throws IOException {
        List<LogEntry> written = new ArrayList<>();
        for (long index = 1; index <= 20; index++) {
            written.add(new LogEntry(index, 1, EntryKind.COMMAND, marked(index)));
        }
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            store.persist(new HardState(1, null, 20), written);
        }
        LmdbLogStore.open(dir, OPTIONS).close();

        Path dataFile = dir.resolve("lmdb").resolve("data.mdb");
        FileContent.flipByteInside(dataFile, marked(7));

        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThatThrownBy(() -> store.entries(1, 21, Long.MAX_VALUE))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("entry 7")
                    .hasMessageContaining(dataFile.toString())
                    .hasMessageContaining("CRC32C");
            assertThatThrownBy(() -> store.term(7)).isInstanceOf(IOException.class).hasMessageContaining("entry 7");
            assertThat(store.entries(1, 7, Long.MAX_VALUE)).isEqualTo(written.subList(0, 6));
            assertThat(store.entries(8, 21, Long.MAX_VALUE)).isEqualTo(written.subList(7, 20));
        }
    }

    @Test
    void flippedByteInTheHardStateIsReported() throws IOException {
        String voter = "voter-with-a-long-recognisable-name";
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            store.persist(new HardState(5, NodeId.of(voter), 0), List.of());
        }
        LmdbLogStore.open(dir, OPTIONS).close();
        FileContent.flipByteInside(dir.resolve("lmdb").resolve("data.mdb"), voter.getBytes(StandardCharsets.UTF_8));

        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThatThrownBy(store::hardState).isInstanceOf(IOException.class)
                    .hasMessageContaining("hard state").hasMessageContaining("data.mdb");
        }
    }

    @Test
    void storeOfANewerFormatRefusesToOpen() throws IOException {
        LmdbLogStore.open(dir, OPTIONS).close();
        try (LmdbEnvironment env = LmdbEnvironment.open(dir.resolve("lmdb"), LmdbOptions.parse(OPTIONS))) {
            env.write(txn -> {
                env.meta().put(txn, MetaRecords.FORMAT, MetaRecords.encodeFormat(LmdbLogStore.FORMAT_VERSION + 1));
                return null;
            });
        }
        assertThatThrownBy(() -> LmdbLogStore.open(dir, OPTIONS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("newer")
                .hasMessageContaining("format version " + (LmdbLogStore.FORMAT_VERSION + 1))
                .hasMessageContaining("upgrade");
    }

    /** A payload easy to find in the data file: a marker naming the index, repeated. */
    private static byte[] marked(long index) {
        return ("<raftkit entry " + index + " payload>").repeat(10).getBytes(StandardCharsets.US_ASCII);
    }
}
