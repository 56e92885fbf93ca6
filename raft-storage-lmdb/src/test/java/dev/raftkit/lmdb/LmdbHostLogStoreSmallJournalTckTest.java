package dev.raftkit.lmdb;

import dev.raftkit.spi.HostLogStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs the HostLogStore conformance kit against the LMDB host store with the smallest journal, so
 * writes of several groups cross checkpoints (which move every group's records at once) and large
 * entries go to LMDB directly; a torn last write as in {@link LmdbHostLogStoreTckTest}.
 */
class LmdbHostLogStoreSmallJournalTckTest extends LmdbHostLogStoreTckTest {

    @Override
    protected HostLogStore openHost(Path dir) throws IOException {
        return LmdbHostLogStore.open(dir, Map.of("lmdb.mapSize", "256KiB", "lmdb.journalSize", "1MiB"));
    }
}
