package dev.raftkit.lmdb;

import dev.raftkit.spi.LogStore;
import dev.raftkit.testkit.tck.LogStoreTck;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Runs the LogStore conformance kit against the LMDB store, with a small map so growth happens too. */
class LmdbLogStoreTckTest extends LogStoreTck {

    @Override
    protected LogStore openStore(Path dir) throws IOException {
        return LmdbLogStore.open(dir, Map.of("lmdb.mapSize", "256KiB"));
    }
}
