package dev.raftkit.testkit.tck;

import static dev.raftkit.testkit.tck.LogStoreTck.entries;

import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link HostLogStoreTck} plus a crash in the middle of a multi-group write, for host stores that
 * can leave their files as such a crash would: none of the interrupted
 * {@link dev.raftkit.spi.HostLogStore#persist} call may survive, for any group it named. Extend this
 * class instead of {@link HostLogStoreTck} when {@link #tearLastWrite} can be implemented; stores
 * that cannot (an in-memory store) are checked against crashes by process kills instead.
 */
public abstract class TornWriteHostLogStoreTck extends HostLogStoreTck {

    /** For subclasses. */
    protected TornWriteHostLogStoreTck() {
    }

    /**
     * Leaves the closed host store in {@code dir} as a crash in the middle of its last
     * {@link dev.raftkit.spi.HostLogStore#persist} (before it returned) could have: part of it
     * written, not all. A durable store must then recover the state from before that call, for
     * every group it named.
     *
     * @param dir the directory of the closed store
     * @throws IOException if the files cannot be changed
     */
    protected abstract void tearLastWrite(Path dir) throws IOException;

    @Test
    void persistOfManyGroupsIsAtomicUnderACrash() throws IOException {
        LogStore a = host.group(A);
        LogStore b = host.group(B);
        a.persist(new HardState(1, null, 0), entries(1, 3, 1));
        b.persist(null, entries(1, 3, 2));
        host.persist(List.of(
                new GroupWrite(A, new HardState(2, null, 3), entries(4, 5, 2)),
                new GroupWrite(B, new HardState(7, null, 3), entries(2, 4, 7))));
        host.close();
        tearLastWrite(dir);

        host = open();
        checkUnchanged(host.group(A), host.group(B));
    }
}
