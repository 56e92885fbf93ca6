package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes several times the initial map size, in small batches and in one large one, then reopens.
 * The journal is small, so the batches reach LMDB through many checkpoints and the large one, bigger
 * than half the journal, is written to LMDB directly.
 */
class LmdbGrowthTest {

    private static final Map<String, String> ONE_MIB = Map.of("lmdb.mapSize", "1MiB", "lmdb.journalSize", "1MiB");

    @TempDir
    Path dir;

    @Test
    void mapGrowsWithoutTheCallerNoticingAndEverythingSurvivesReopen() throws IOException {
        List<LogEntry> written = new ArrayList<>();
        try (LmdbLogStore store = LmdbLogStore.open(dir, ONE_MIB)) {
            for (int batch = 0; batch < 40; batch++) {
                written.addAll(persist(store, 64, 1024));
            }
            written.addAll(persist(store, 1, 3 << 20)); // one entry of 3 MiB: bigger than the initial map
        }
        assertThat(Files.size(dir.resolve("lmdb").resolve("data.mdb"))).isGreaterThan(4L << 20);

        try (LmdbLogStore store = LmdbLogStore.open(dir, ONE_MIB)) {
            assertThat(store.lastIndex()).isEqualTo(written.size());
            assertThat(store.hardState().commitIndex()).isEqualTo(written.size());
            List<LogEntry> read = new ArrayList<>();
            while (read.size() < written.size()) {
                read.addAll(store.entries(read.size() + 1, written.size() + 1, 1 << 20));
            }
            assertThat(read).isEqualTo(written);
            persist(store, 10, 100_000);
            assertThat(store.lastIndex()).isEqualTo(written.size() + 10);
        }
    }

    private static List<LogEntry> persist(LmdbLogStore store, int count, int size) throws IOException {
        Random random = new Random(store.lastIndex());
        List<LogEntry> batch = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            batch.add(new LogEntry(store.lastIndex() + 1 + k, 1, EntryKind.COMMAND, payload));
        }
        long last = store.lastIndex() + count;
        store.persist(new HardState(1, null, last), batch);
        return batch;
    }
}
