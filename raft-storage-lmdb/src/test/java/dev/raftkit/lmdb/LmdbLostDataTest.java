package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files of a closed store lost, cut short or swapped for another's: the store refuses to open,
 * naming the file, what it expected and what it found, and how to recover, and changes nothing.
 */
class LmdbLostDataTest {

    private static final Map<String, String> OPTIONS = Map.of("lmdb.journalSize", "1MiB");
    private static final String RECOVERY = "remove this member's data directory and add the member back";

    @TempDir
    Path dir;

    @TempDir
    Path other;

    private Path journalFile(Path dataDir) {
        return dataDir.resolve("lmdb").resolve("journal");
    }

    private Path dataFile(Path dataDir) {
        return dataDir.resolve("lmdb").resolve("data.mdb");
    }

    @Test
    void deletedJournalRefusesToOpen() throws IOException {
        writeAcknowledged(dir);
        Files.delete(journalFile(dir));

        assertRefused("journal " + journalFile(dir) + " is missing, but " + dataFile(dir)
                + " expects journal id ",
                " at epoch 0, 1 or 2");
        assertThat(journalFile(dir)).as("nothing created in its place").doesNotExist();
    }

    @Test
    void truncatedJournalRefusesToOpen() throws IOException {
        writeAcknowledged(dir);
        try (FileChannel journal = FileChannel.open(journalFile(dir), StandardOpenOption.WRITE)) {
            journal.truncate(Journal.RECORDS_START); // the header stays, every record is cut off
        }

        assertRefused("journal " + journalFile(dir) + " has " + Journal.RECORDS_START
                + " bytes, but its header says " + (1 << 20) + ": it was truncated",
                dataFile(dir) + " expects journal id ");
    }

    @Test
    void journalTruncatedToNothingRefusesToOpen() throws IOException {
        writeAcknowledged(dir);
        Files.write(journalFile(dir), new byte[0]);

        assertRefused("journal " + journalFile(dir) + " has no valid header (0 bytes",
                dataFile(dir) + " expects journal id ");
    }

    @Test
    void anotherStoresJournalRefusesToOpen() throws IOException {
        writeAcknowledged(dir);
        writeAcknowledged(other);
        Files.copy(journalFile(other), journalFile(dir), StandardCopyOption.REPLACE_EXISTING);

        assertRefused("journal " + journalFile(dir) + " is not this store's: its id is ",
                "but " + dataFile(dir) + " expects journal id ");
    }

    @Test
    void olderCopyOfTheJournalRefusesToOpen() throws IOException {
        writeAcknowledged(dir);
        byte[] epochOne = Files.readAllBytes(journalFile(dir));
        LmdbLogStore.open(dir, OPTIONS).close(); // checkpoints epoch 1, starts 2
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) { // checkpoints epoch 2, starts 3
            store.persist(null, List.of(entry(21)));
        }
        Files.write(journalFile(dir), epochOne);

        assertRefused("journal " + journalFile(dir) + " is at epoch 1, but " + dataFile(dir)
                + " expects journal id ",
                " at epoch 2, 3 or 4: the journal is an older copy");
    }

    @Test
    void olderCopyOfDataMdbRefusesToOpen() throws IOException {
        writeAcknowledged(dir);
        byte[] markedEpochZero = Files.readAllBytes(dataFile(dir));
        LmdbLogStore.open(dir, OPTIONS).close(); // checkpoints epoch 1, starts 2
        LmdbLogStore.open(dir, OPTIONS).close(); // checkpoints epoch 2, starts 3
        Files.write(dataFile(dir), markedEpochZero);

        assertRefused("journal " + journalFile(dir) + " is at epoch 3, but " + dataFile(dir)
                + " expects journal id ",
                " at epoch 0, 1 or 2: " + dataFile(dir) + " is an older copy");
    }

    @Test
    void deletedDataMdbRefusesToOpenAndKeepsTheSnapshot() throws IOException {
        Membership membership = new Membership(0, Map.of(NodeId.of("a"), new Address("127.0.0.1", 7000)), Map.of());
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            store.persist(new HardState(1, null, 3), List.of(entry(1), entry(2), entry(3)));
            try (SnapshotWriter writer = store.beginSnapshot(3, 1, membership)) {
                writer.output().write("state at 3".getBytes(StandardCharsets.UTF_8));
                writer.commit();
            }
            store.compact(3);
        }
        LmdbLogStore.open(dir, OPTIONS).close();
        List<Path> snapshots = snapshotFiles();
        assertThat(snapshots).hasSize(1);
        Files.delete(dataFile(dir));

        assertRefused(dataFile(dir) + " is missing, but [" + journalFile(dir) + ", " + snapshots.get(0)
                + "] exist: this is not a new store");
        assertThat(snapshotFiles()).isEqualTo(snapshots);
        assertThat(dataFile(dir)).as("no empty environment created").doesNotExist();
    }

    /** The journal's records are checked against the mark: the store still opens after a clean close. */
    @Test
    void intactStoreStillOpensWithEveryEntry() throws IOException {
        List<LogEntry> written = writeAcknowledged(dir);
        for (int open = 0; open < 3; open++) {
            try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
                assertThat(store.entries(1, 21, Long.MAX_VALUE)).isEqualTo(written);
            }
        }
    }

    /** Asserts opening the store fails with every one of {@code fragments} and the recovery in its message. */
    private void assertRefused(String... fragments) {
        assertThatThrownBy(() -> LmdbLogStore.open(dir, OPTIONS)).isInstanceOf(IOException.class)
                .hasMessageContainingAll(fragments)
                .hasMessageContaining(RECOVERY);
    }

    /** Writes 20 entries, acknowledged but still only in the journal, and closes the store. */
    private static List<LogEntry> writeAcknowledged(Path dataDir) throws IOException {
        List<LogEntry> written = new ArrayList<>();
        try (LmdbLogStore store = LmdbLogStore.open(dataDir, OPTIONS)) {
            for (long index = 1; index <= 20; index++) {
                written.add(entry(index));
                store.persist(new HardState(1, NodeId.of("a"), index), List.of(entry(index)));
            }
        }
        return written;
    }

    private static LogEntry entry(long index) {
        return new LogEntry(index, 1, EntryKind.COMMAND, ("entry " + index).getBytes(StandardCharsets.UTF_8));
    }

    private List<Path> snapshotFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("snapshots"))) {
            return files.sorted().toList();
        }
    }
}
