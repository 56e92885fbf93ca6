package dev.raftkit.testkit.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.LogStoreProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryDiskTest {

    private static LogEntry entry(long index, long term) {
        return new LogEntry(index, term, EntryKind.COMMAND, new byte[] {(byte) index});
    }

    @AfterEach
    void clearRegistry() {
        MemoryLogStoreProvider.clearDisks();
    }

    @Test
    void failedWriteHasNoEffectAndLaterWritesSucceed() throws IOException {
        MemoryDisk disk = new MemoryDisk("d");
        MemoryLogStore store = new MemoryLogStore(disk);
        store.persist(new HardState(1, null, 0), List.of(entry(1, 1)));
        disk.failNextWrite(new IOException("boom"));

        assertThatThrownBy(() -> store.persist(new HardState(2, null, 1), List.of(entry(2, 2))))
                .isInstanceOf(IOException.class).hasMessage("boom");
        assertThat(store.lastIndex()).isEqualTo(1);
        assertThat(store.hardState()).isEqualTo(new HardState(1, null, 0));

        store.persist(null, List.of(entry(2, 2)));
        assertThat(store.lastIndex()).isEqualTo(2);
    }

    @Test
    void stickyFaultFailsEveryWriteUntilCleared() throws IOException {
        MemoryDisk disk = new MemoryDisk("d");
        MemoryLogStore store = new MemoryLogStore(disk);
        store.persist(null, List.of(entry(1, 1), entry(2, 1)));
        disk.failWritesFrom(new IOException("disk gone"));

        assertThatThrownBy(() -> store.persist(null, List.of(entry(3, 1)))).hasMessage("disk gone");
        assertThatThrownBy(() -> store.compact(1)).hasMessage("disk gone");
        assertThatThrownBy(() -> store.reset(5, 1)).hasMessage("disk gone");
        assertThat(store.firstIndex()).isEqualTo(1);
        assertThat(store.lastIndex()).isEqualTo(2);

        disk.clearFaults();
        store.compact(1);
        assertThat(store.firstIndex()).isEqualTo(2);
    }

    @Test
    void corruptEntryIsReportedWithIndexAndDiskUntilOverwritten() throws IOException {
        MemoryDisk disk = new MemoryDisk("node-a");
        MemoryLogStore store = new MemoryLogStore(disk);
        store.persist(null, List.of(entry(1, 1), entry(2, 1), entry(3, 1)));
        disk.corruptEntry(2);

        assertThatThrownBy(() -> store.entries(1, 4, Long.MAX_VALUE))
                .isInstanceOf(IOException.class).hasMessageContaining("entry 2").hasMessageContaining("node-a");
        assertThatThrownBy(() -> store.term(2)).isInstanceOf(IOException.class);
        assertThat(store.entries(1, 2, Long.MAX_VALUE)).containsExactly(entry(1, 1));

        store.persist(null, List.of(entry(2, 2)));
        assertThat(store.entries(1, 3, Long.MAX_VALUE)).containsExactly(entry(1, 1), entry(2, 2));
        assertThatThrownBy(() -> disk.corruptEntry(3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reopeningFencesTheEarlierStore() throws IOException {
        MemoryDisk disk = new MemoryDisk("d");
        MemoryLogStore crashed = new MemoryLogStore(disk);
        crashed.persist(null, List.of(entry(1, 1)));
        MemoryLogStore restarted = new MemoryLogStore(disk);

        assertThatThrownBy(() -> crashed.persist(null, List.of(entry(2, 1))))
                .isInstanceOf(IOException.class).hasMessageContaining("fenced");
        restarted.persist(null, List.of(entry(2, 1)));
        assertThat(restarted.lastIndex()).isEqualTo(2);
    }

    @Test
    void closedStoreRejectsCalls() {
        MemoryLogStore store = new MemoryLogStore(new MemoryDisk("d"));
        store.close();
        store.close();
        assertThatThrownBy(store::lastIndex).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void providerIsFoundByNameAndRecoversByDataDir() throws IOException {
        LogStoreProvider provider = ServiceLoader.load(LogStoreProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("memory"))
                .findFirst().orElseThrow();
        NodeId self = NodeId.of("n1");
        Config.Builder builder = Config.builder(self, Map.of(self, new Address("127.0.0.1", 9000)));
        Config withDir = builder.dataDir(Path.of("/nonexistent/n1")).build();

        try (LogStore store = provider.open(withDir)) {
            store.persist(new HardState(3, self, 0), List.of(entry(1, 3)));
        }
        try (LogStore store = provider.open(withDir)) {
            assertThat(store.hardState()).isEqualTo(new HardState(3, self, 0));
            assertThat(store.lastIndex()).isEqualTo(1);
        }
        assertThat(MemoryLogStoreProvider.disk(Path.of("/nonexistent/../nonexistent/n1")).name())
                .isEqualTo("/nonexistent/n1");

        MemoryLogStoreProvider.clearDisks();
        try (LogStore store = provider.open(withDir)) {
            assertThat(store.lastIndex()).isZero();
        }
        Config withoutDir = Config.builder(self, Map.of(self, new Address("127.0.0.1", 9000))).build();
        try (LogStore first = provider.open(withoutDir)) {
            first.persist(null, List.of(entry(1, 1)));
        }
        try (LogStore second = provider.open(withoutDir)) {
            assertThat(second.lastIndex()).isZero();
        }
    }
}
