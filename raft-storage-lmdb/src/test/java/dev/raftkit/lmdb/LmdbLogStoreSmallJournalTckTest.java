package dev.raftkit.lmdb;

import dev.raftkit.spi.LogStore;
import dev.raftkit.testkit.tck.LogStoreTck;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs the LogStore conformance kit against the LMDB store with the smallest journal, so its writes
 * cross checkpoints (the concurrent-read test several) and its large entries go to LMDB directly.
 */
class LmdbLogStoreSmallJournalTckTest extends LogStoreTck {

    @Override
    protected LogStore openStore(Path dir) throws IOException {
        return LmdbLogStore.open(dir, Map.of("lmdb.mapSize", "256KiB", "lmdb.journalSize", "1MiB"));
    }
}
