package dev.raftkit.it.thirdparty;

import dev.raftkit.spi.LogStore;
import dev.raftkit.testkit.tck.LogStoreTck;
import java.io.IOException;
import java.nio.file.Path;

/** The third-party {@link FileLogStore} passes the LogStore conformance kit, as any user's store can. */
class FileLogStoreTckTest extends LogStoreTck {

    @Override
    protected LogStore openStore(Path dir) throws IOException {
        return FileLogStore.open(dir);
    }
}
