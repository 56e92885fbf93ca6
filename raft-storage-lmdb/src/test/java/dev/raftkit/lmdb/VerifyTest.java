package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.SnapshotWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline {@link Verify} command on clean and damaged stores. Its checks run in a child JVM, so
 * damage that crashes LMDB is reported and this JVM lives on.
 */
class VerifyTest {

    private static final Map<String, String> OPTIONS = Map.of("lmdb.journalSize", "1MiB");
    /** Seeds of the damage test; 5 crashes LMDB in the reader (SIGSEGV in mdb_cursor_set) with this test's store. */
    private static final long[] DAMAGE_SEEDS = {1, 2, 3, 4, 5, 6, 7, 8};
    private static final int DAMAGED_BYTES = 2000;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream report = new ByteArrayOutputStream();

    @Test
    void cleanStoreIsReportedClean() throws IOException {
        writeStore();

        assertThat(verify()).as(report()).isEqualTo(Verify.CLEAN);
        assertThat(report()).contains("clean: " + dir).doesNotContain("DAMAGED")
                .contains("log start 3 (term 1), 197 entries")
                .contains("snapshot " + dir.resolve("snapshots"));
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThat(store.lastIndex()).as("verify changed nothing").isEqualTo(210);
        }
    }

    /**
     * A snapshot published and the store closed: its record is only in the journal, and the file
     * LMDB still names was removed. Verify checks the journal's snapshot, as an open would use it.
     */
    @Test
    void snapshotRecordedOnlyInTheJournalIsTheOneChecked() throws IOException {
        writeStore();
        Membership membership = new Membership(0, Map.of(NodeId.of("a"), new Address("127.0.0.1", 7000)), Map.of());
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            try (SnapshotWriter writer = store.beginSnapshot(200, 1, membership)) {
                writer.output().write("the state machine at 200".getBytes(StandardCharsets.UTF_8));
                writer.commit();
            }
        }
        try (var files = Files.list(dir.resolve("snapshots"))) {
            assertThat(files.toList()).as("only the newer snapshot's file is left").hasSize(1);
        }

        assertThat(verify()).as(report()).isEqualTo(Verify.CLEAN);
        assertThat(report()).contains("snapshot " + dir.resolve("snapshots")).doesNotContain("DAMAGED");
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThat(store.latestSnapshot().orElseThrow().index()).isEqualTo(200);
        }
    }

    @Test
    void hostStoreIsNotVerified() throws IOException {
        LmdbHostLogStore.open(dir, OPTIONS).close();

        assertThat(verify()).as(report()).isEqualTo(Verify.NOT_VERIFIED);
        assertThat(report()).contains("NOT VERIFIED: ").contains("RaftHost's store").doesNotContain("DAMAGED");
    }

    @Test
    void storeOpenByANodeIsNotVerified() throws IOException {
        writeStore();
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            assertThat(verify()).isEqualTo(Verify.NOT_VERIFIED);
        }
        assertThat(report()).startsWith("NOT VERIFIED: " + dir + " is already open")
                .contains("stop the node, or verify a copy of its data directory");
    }

    /**
     * Random bytes written over {@code data.mdb} (2000 of its ~200 KiB): verify reports damage naming the file, or that the
     * reader crashed, and never takes this JVM down. Replay one seed with -Draftkit.verify.seed=N.
     */
    @Test
    void randomByteDamageInDataMdbIsReportedWithoutCrashingTheCaller() throws IOException {
        writeStore();
        Path dataFile = dir.resolve("lmdb").resolve("data.mdb");
        byte[] intact = Files.readAllBytes(dataFile);
        String chosen = System.getProperty("raftkit.verify.seed");
        long[] seeds = chosen == null ? DAMAGE_SEEDS : new long[] {Long.parseLong(chosen)};
        for (long seed : seeds) {
            byte[] damaged = intact.clone();
            Random random = new Random(seed);
            for (int i = 0; i < DAMAGED_BYTES; i++) {
                damaged[random.nextInt(damaged.length)] = (byte) random.nextInt();
            }
            Files.write(dataFile, damaged);
            report.reset();

            int status = verify();

            System.out.println("seed " + seed + ": " + report().lines().filter(line -> line.startsWith("DAMAGED"))
                    .findFirst().orElse("no damage reported"));
            assertThat(status).as("seed %d: %s", seed, report()).isEqualTo(Verify.DAMAGED);
            assertThat(report()).as("seed %d", seed).contains("DAMAGED: ").contains(dataFile.toString());
        }
    }

    @Test
    void damagedJournalRecordIsReportedNamingTheJournal() throws IOException {
        writeStore();
        Path journal = dir.resolve("lmdb").resolve("journal");
        long first = firstRecordOffset(journal);
        byte[] bytes = Files.readAllBytes(journal);
        bytes[(int) first + 40] ^= 0x01;
        Files.write(journal, bytes);

        assertThat(verify()).isEqualTo(Verify.DAMAGED);
        assertThat(report()).contains("DAMAGED: journal " + journal + " is damaged at offset " + first)
                .contains("damage found in " + dir);
    }

    @Test
    void missingJournalIsReported() throws IOException {
        writeStore();
        Path journal = dir.resolve("lmdb").resolve("journal");
        Files.delete(journal);

        assertThat(verify()).isEqualTo(Verify.DAMAGED);
        assertThat(report()).contains("DAMAGED: " + dir.resolve("lmdb").resolve("data.mdb") + " expects journal id ")
                .contains(journal + " is missing or unreadable");
    }

    @Test
    void damagedSnapshotFileIsReportedNamingTheFile() throws IOException {
        writeStore();
        Path snapshot;
        try (var files = Files.list(dir.resolve("snapshots"))) {
            snapshot = files.findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(snapshot);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(snapshot, bytes);

        assertThat(verify()).isEqualTo(Verify.DAMAGED);
        assertThat(report()).contains("DAMAGED: snapshot " + snapshot);
    }

    /**
     * A store with entries in LMDB (3 compacted away, with a snapshot at 3) and more in the journal,
     * a hard state and a snapshot; closed.
     */
    private void writeStore() throws IOException {
        Membership membership = new Membership(0, Map.of(NodeId.of("a"), new Address("127.0.0.1", 7000)), Map.of());
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) {
            for (long index = 1; index <= 200; index++) {
                store.persist(new HardState(1, NodeId.of("a"), index), List.of(entry(index)));
            }
            try (SnapshotWriter writer = store.beginSnapshot(3, 1, membership)) {
                writer.output().write("the state machine at 3, ".repeat(100).getBytes(StandardCharsets.UTF_8));
                writer.commit();
            }
            store.compact(3);
        }
        try (LmdbLogStore store = LmdbLogStore.open(dir, OPTIONS)) { // moves them into LMDB
            for (long index = 201; index <= 210; index++) {
                store.persist(new HardState(1, NodeId.of("a"), index), List.of(entry(index)));
            }
        }
    }

    private static LogEntry entry(long index) {
        return new LogEntry(index, 1, EntryKind.COMMAND, ("entry " + index + " ").repeat(50)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Returns the offset of the first record of the journal's current epoch. */
    private static long firstRecordOffset(Path journalFile) throws IOException {
        long[] first = {-1};
        try (Journal journal = Journal.open(journalFile)) {
            journal.replay(false, (offset, payload) -> first[0] = first[0] < 0 ? offset : first[0]);
        }
        assertThat(first[0]).as("a record in %s", journalFile).isNotNegative();
        return first[0];
    }

    private int verify() {
        return Verify.run(dir, new PrintStream(report, true, StandardCharsets.UTF_8));
    }

    private String report() {
        return report.toString(StandardCharsets.UTF_8);
    }
}
