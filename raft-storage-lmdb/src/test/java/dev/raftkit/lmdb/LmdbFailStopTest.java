package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** After a write fails, the store refuses further writes until it is reopened. */
class LmdbFailStopTest {

    @TempDir
    Path dir;

    @Test
    void failedSnapshotCommitStopsWritesUntilReopen() throws IOException {
        Membership membership = new Membership(0, Map.of(NodeId.of("a"), new Address("127.0.0.1", 7000)), Map.of());
        try (LmdbLogStore store = LmdbLogStore.open(dir, Map.of())) {
            store.persist(null, List.of(entry(1)));
            try (SnapshotWriter writer = store.beginSnapshot(1, 1, membership)) {
                writer.output().write(new byte[] {1, 2, 3});
                deleteTempFiles(); // the rename in commit now fails, like a failing file system
                assertThatThrownBy(writer::commit).isInstanceOf(IOException.class);
            }
            assertThat(store.latestSnapshot()).isEqualTo(Optional.empty());
            assertThatThrownBy(() -> store.persist(null, List.of(entry(2))))
                    .isInstanceOf(IOException.class).hasMessageContaining("refuses writes");
            assertThat(store.entries(1, 2, Long.MAX_VALUE)).containsExactly(entry(1));
        }
        try (LmdbLogStore store = LmdbLogStore.open(dir, Map.of())) {
            store.persist(null, List.of(entry(2)));
            assertThat(store.lastIndex()).isEqualTo(2);
        }
    }

    private void deleteTempFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("snapshots"))) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
    }

    private static LogEntry entry(long index) {
        return new LogEntry(index, 1, EntryKind.COMMAND, new byte[] {(byte) index});
    }
}
