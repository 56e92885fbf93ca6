package dev.raftkit.testkit.memory;

import dev.raftkit.GroupId;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.testkit.tck.HostLogStoreTck;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the HostLogStore conformance kit against the in-memory host store, one host disk per test
 * directory. A memory disk has no torn writes to simulate, so the crash test is skipped (its
 * persist applies all of a call or, if checked out, none).
 */
class MemoryHostLogStoreTckTest extends HostLogStoreTck {

    private final Map<Path, MemoryHostDisk> disks = new HashMap<>();

    @Override
    protected HostLogStore openHost(Path dir) {
        return new MemoryHostLogStore(disks.computeIfAbsent(dir, d -> new MemoryHostDisk(d.toString())));
    }

    @Override
    protected void damageSnapshot(Path dir, GroupId group, SnapshotMeta meta, byte[] data, int offset) {
        disks.get(dir).disk(group).corruptSnapshot(offset);
    }
}
