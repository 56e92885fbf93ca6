package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the LMDB host store does beyond the {@link dev.raftkit.testkit.tck.HostLogStoreTck}: the
 * provider's {@code openHost}, refusing the other kind of store's files, errors that name the group,
 * the cleanup after a crash in the middle of {@code deleteGroup}, and that opening a group writes
 * nothing (its first write registers it).
 */
class LmdbHostLogStoreTest {

    private static final Map<String, String> OPTIONS = Map.of();
    private static final GroupId G1 = GroupId.of("g1");
    private static final GroupId G2 = GroupId.of("g2");
    /** Groups opened and never written in the test of registration. */
    private static final int NEVER_WRITTEN = 200;
    private static final Membership MEMBERSHIP = new Membership(1, Map.of(NodeId.of("a"),
            new Address("127.0.0.1", 7000)), Map.of());

    @TempDir
    Path dir;

    @Test
    void providerOpensAHostUnderItsDataDirectoryAndNeedsOne() throws IOException {
        LmdbLogStoreProvider provider = new LmdbLogStoreProvider();
        HostConfig.Builder config = HostConfig.builder(new Address("127.0.0.1", 7000));
        assertThatThrownBy(() -> provider.openHost(config.build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dataDir");
        try (HostLogStore host = provider.openHost(config.dataDir(dir).build())) {
            host.group(G1).persist(null, List.of(entry(1, "one")));
        }
        try (HostLogStore host = provider.openHost(config.dataDir(dir).build())) {
            assertThat(host.groups()).containsExactly(G1);
        }
        assertThatThrownBy(() -> provider.openHost(config.dataDir(dir).option("lmdb.sink", "full").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lmdb.sink");
    }

    @Test
    void aHostAndASingleNodeRefuseEachOthersFiles() throws IOException {
        Path single = dir.resolve("single");
        Path host = dir.resolve("host");
        LmdbLogStore.open(single, OPTIONS).close();
        LmdbHostLogStore.open(host, OPTIONS).close();

        assertThatThrownBy(() -> LmdbHostLogStore.open(single, OPTIONS))
                .isInstanceOf(IOException.class).hasMessageContaining("single node's store");
        assertThatThrownBy(() -> LmdbLogStore.open(host, OPTIONS))
                .isInstanceOf(IOException.class).hasMessageContaining("RaftHost's store")
                .hasMessageContaining("openHost");
    }

    @Test
    void damageInAGroupIsReportedNamingTheGroupAndLeavesOtherGroupsReadable() throws IOException {
        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, OPTIONS)) {
            try (LogStore g1 = host.group(G1); LogStore g2 = host.group(G2)) {
                g1.persist(new HardState(1, null, 2), List.of(entry(1, "g1-first"), entry(2, "g1-second")));
                g2.persist(new HardState(1, null, 1), List.of(entry(1, "g2-first")));
            }
        }
        FileContent.flipByteInside(dir.resolve("lmdb").resolve("data.mdb"), marked("g1-second"));

        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, OPTIONS)) {
            LogStore g1 = host.group(G1);
            assertThatThrownBy(() -> g1.entries(1, 3, Long.MAX_VALUE))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("group g1")
                    .hasMessageContaining("entry 2")
                    .hasMessageContaining("CRC32C");
            assertThat(g1.entries(1, 2, Long.MAX_VALUE)).containsExactly(entry(1, "g1-first"));
            assertThat(host.group(G2).entries(1, 2, Long.MAX_VALUE)).containsExactly(entry(1, "g2-first"));
        }
    }

    @Test
    void snapshotsLeftByACrashInTheMiddleOfDeleteGroupAreRemovedAtOpen() throws IOException {
        Path left;
        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, OPTIONS)) {
            try (LogStore g1 = host.group(G1)) {
                g1.persist(null, List.of(entry(1, "kept")));
                try (SnapshotWriter writer = g1.beginSnapshot(1, 1, MEMBERSHIP)) {
                    writer.output().write(marked("kept snapshot"));
                    writer.commit();
                }
            }
            left = dir.resolve("snapshots").resolve(LmdbHostLogStore.GROUP_DIR_PREFIX + G2.value());
            Files.createDirectories(left);
            Files.write(left.resolve("snapshot-1-123.snap"), marked("deleted group's snapshot"));
        }
        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, OPTIONS)) {
            assertThat(left).doesNotExist();
            assertThat(host.groups()).isEqualTo(Set.of(G1));
            assertThat(host.group(G1).latestSnapshot()).isPresent();
        }
    }

    /**
     * A snapshot committed after the host store closed is refused, and leaves no snapshot file: the
     * host's journal is closed, so nothing could record it (it used to go into LMDB's meta records
     * directly, which a closed store no longer has either).
     */
    @Test
    void snapshotCommittedAfterTheHostClosedIsRefusedAndLeavesNoFile() throws IOException {
        LmdbHostLogStore host = LmdbHostLogStore.open(dir, OPTIONS);
        LogStore group = host.group(G1);
        group.persist(null, List.of(entry(1, "one")));
        SnapshotWriter writer = group.beginSnapshot(1, 1, MEMBERSHIP);
        writer.output().write(new byte[] {1, 2, 3});
        host.close();

        assertThatThrownBy(writer::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        writer.close();
        try (LmdbHostLogStore reopened = LmdbHostLogStore.open(dir, OPTIONS)) {
            assertThat(reopened.group(G1).latestSnapshot()).isEmpty();
        }
        try (var files = Files.walk(dir).filter(file -> file.getFileName().toString().endsWith(".snap"))) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void aHostsJournalIsLargerByDefaultThanASingleNodesAndTheOptionSetsIt() throws IOException {
        Path journalFile = dir.resolve(LmdbLogStore.ENV_DIR).resolve(LmdbLogStore.JOURNAL_FILE);
        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, Map.of())) {
            assertThat(Files.size(journalFile)).isEqualTo(LmdbOptions.DEFAULT_HOST_JOURNAL_SIZE)
                    .isGreaterThan(LmdbOptions.DEFAULT_JOURNAL_SIZE);
        }
        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, Map.of("lmdb.journalSize", "8MiB"))) {
            assertThat(Files.size(journalFile)).isEqualTo(8L << 20);
        }
    }

    @Test
    void openingGroupsWritesNothingAndAGroupNeverWrittenComesBackEmptyAndUsable() throws IOException {
        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, OPTIONS)) {
            host.group(G1).persist(new HardState(1, null, 0), List.of(entry(1, "g1")));
        }
        Path dataFile = dir.resolve(LmdbLogStore.ENV_DIR).resolve(LmdbEnvironment.DATA_FILE);
        Path journalFile = dir.resolve(LmdbLogStore.ENV_DIR).resolve(LmdbLogStore.JOURNAL_FILE);
        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, OPTIONS)) {
            long data = checksum(dataFile);
            long journal = checksum(journalFile);
            for (int g = 0; g < NEVER_WRITTEN; g++) {
                host.group(GroupId.of("new-" + g));
            }
            assertThat(checksum(dataFile)).as("opening %d groups wrote no LMDB transaction", NEVER_WRITTEN)
                    .isEqualTo(data);
            assertThat(checksum(journalFile)).as("opening groups wrote no journal record").isEqualTo(journal);
            assertThat(dir.resolve(LmdbLogStore.SNAPSHOT_DIR).resolve(LmdbHostLogStore.GROUP_DIR_PREFIX + "new-0"))
                    .as("a group's snapshot directory waits for its first snapshot").doesNotExist();
            assertThat(host.groups()).as("a group opened but never written holds no data").isEqualTo(Set.of(G1));
        }
        try (LmdbHostLogStore host = LmdbHostLogStore.open(dir, OPTIONS)) {
            assertThat(host.groups()).as("after a restart, as after a crash: nothing was written")
                    .isEqualTo(Set.of(G1));
            LogStore again = host.group(GroupId.of("new-0"));
            assertThat(again.firstIndex()).isEqualTo(1);
            assertThat(again.lastIndex()).isZero();
            assertThat(again.hardState()).isEqualTo(HardState.INITIAL);
            again.persist(new HardState(2, null, 0), List.of(entry(1, "new-0")));
            assertThat(host.groups()).as("its first write registers it").isEqualTo(Set.of(G1, GroupId.of("new-0")));
        }
    }

    /** The CRC32C of the whole file: equal before and after means nothing was written to it. */
    private static long checksum(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(Files.readAllBytes(file));
        return crc.getValue();
    }

    private static LogEntry entry(long index, String text) {
        return new LogEntry(index, 1, EntryKind.COMMAND, marked(text));
    }

    /** A payload easy to find in the data file. */
    private static byte[] marked(String text) {
        return ("<" + text + ">").repeat(8).getBytes(StandardCharsets.US_ASCII);
    }
}
