package dev.raftkit.testkit.memory;

import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.testkit.tck.LogStoreTck;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs the LogStore conformance kit against the in-memory store, one disk per test directory. */
class MemoryLogStoreTckTest extends LogStoreTck {

    private final Map<Path, MemoryDisk> disks = new HashMap<>();

    @Override
    protected LogStore openStore(Path dir) {
        return new MemoryLogStore(disks.computeIfAbsent(dir, d -> new MemoryDisk(d.toString())));
    }

    @Override
    protected void damageSnapshot(Path dir, SnapshotMeta meta, byte[] data, int offset) {
        disks.get(dir).corruptSnapshot(offset);
    }
}
