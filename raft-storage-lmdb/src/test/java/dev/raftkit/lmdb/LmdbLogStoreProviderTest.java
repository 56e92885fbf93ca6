package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.LogStoreProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider: found by name, its options checked, its directory guarded. */
class LmdbLogStoreProviderTest {

    private static final NodeId SELF = NodeId.of("n1");

    @TempDir
    Path dir;

    private static Config.Builder config() {
        return Config.builder(SELF, Map.of(SELF, new Address("127.0.0.1", 7000)));
    }

    private static LogStoreProvider provider() {
        return ServiceLoader.load(LogStoreProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("lmdb")).findFirst().orElseThrow();
    }

    @Test
    void serviceLoaderFindsTheProviderAndItOpensUnderTheDataDir() throws IOException {
        LogStoreProvider provider = provider();
        assertThat(provider).isInstanceOf(LmdbLogStoreProvider.class);
        try (LogStore store = provider.open(config().dataDir(dir).option("lmdb.sync", "nosync").build())) {
            store.persist(null, List.of(new LogEntry(1, 1, EntryKind.NOOP, new byte[0])));
        }
        assertThat(dir.resolve("lmdb").resolve("data.mdb")).exists();
        try (LogStore store = provider.open(config().dataDir(dir).build())) {
            assertThat(store.lastIndex()).isEqualTo(1);
        }
    }

    @Test
    void missingDataDirIsAClearError() {
        assertThatThrownBy(() -> provider().open(config().build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dataDir");
    }

    @Test
    void badOptionsAreRejectedByName() {
        assertThatThrownBy(() -> provider().open(config().dataDir(dir).option("lmdb.mapsize", "1MiB").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lmdb.mapsize");
        assertThatThrownBy(() -> provider().open(config().dataDir(dir).option("lmdb.mapSize", "lots").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lmdb.mapSize");
        assertThatThrownBy(() -> provider().open(config().dataDir(dir).option("lmdb.mapSize", "1KiB").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least");
        assertThatThrownBy(() -> provider().open(config().dataDir(dir).option("lmdb.sync", "sometimes").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lmdb.sync");
    }

    @Test
    void badJournalSizesAreRejectedByName() {
        assertThatThrownBy(() -> LmdbOptions.parse(Map.of("lmdb.journalSize", "64 megabytes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lmdb.journalSize must be a byte count").hasMessageContaining("'64 megabytes'");
        assertThatThrownBy(() -> LmdbOptions.parse(Map.of("lmdb.journalSize", "512KiB")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lmdb.journalSize must be at least 1MiB, was '512KiB'");
        assertThatThrownBy(() -> LmdbOptions.parse(Map.of("lmdb.journalSize", "2GiB")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lmdb.journalSize must be at most 1GiB, was '2GiB'");
        assertThatThrownBy(() -> LmdbOptions.parse(Map.of("lmdb.mapSize", "1KiB")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lmdb.mapSize must be at least 64KiB, was '1KiB'");
    }

    @Test
    void optionsParseSizesAndModes() {
        assertThat(LmdbOptions.parse(Map.of()).mapSize()).isEqualTo(LmdbOptions.DEFAULT_MAP_SIZE);
        assertThat(LmdbOptions.parse(Map.of("lmdb.mapSize", "2GiB")).mapSize()).isEqualTo(2L << 30);
        assertThat(LmdbOptions.parse(Map.of("lmdb.mapSize", "100000")).mapSize()).isEqualTo(102_400);
        assertThat(LmdbOptions.parse(Map.of("lmdb.sync", "NoMetaSync")).sync())
                .isEqualTo(LmdbOptions.SyncMode.NOMETASYNC);
        assertThat(LmdbOptions.parse(Map.of("grpc.port", "1")).sync()).isEqualTo(LmdbOptions.SyncMode.FULL);
        assertThat(LmdbOptions.parse(Map.of()).journalSize()).isEqualTo(LmdbOptions.DEFAULT_JOURNAL_SIZE);
        assertThat(LmdbOptions.parse(Map.of("lmdb.journalSize", "8MiB")).journalSize()).isEqualTo(8L << 20);
        assertThat(LmdbOptions.parse(Map.of("lmdb.journalSize", "1100000")).journalSize()).isEqualTo(1_101_824);
    }

    @Test
    void aDirectoryOpenTwiceIsRefused() throws IOException {
        try (LogStore store = LmdbLogStore.open(dir, Map.of())) {
            assertThatThrownBy(() -> LmdbLogStore.open(dir, Map.of()))
                    .isInstanceOf(IOException.class).hasMessageContaining("already open");
            assertThat(store.lastIndex()).isZero();
        }
        LmdbLogStore.open(dir, Map.of()).close();
    }
}
