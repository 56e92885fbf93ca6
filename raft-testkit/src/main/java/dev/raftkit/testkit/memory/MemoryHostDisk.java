package dev.raftkit.testkit.memory;

import dev.raftkit.GroupId;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The durable state of one host kept in memory: one {@link MemoryDisk} per group, and the count of
 * durable syncs its stores made. Like a {@link MemoryDisk}, it outlives the
 * {@link MemoryHostLogStore}s opened on it, so a host restarted on the same host disk recovers every
 * group's data; a group's disk takes the fault injection of {@link MemoryDisk} for that group alone.
 *
 * <p>Thread-safe.
 */
public final class MemoryHostDisk {

    private final String name;
    private final Map<GroupId, MemoryDisk> disks = new ConcurrentHashMap<>();
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong groupWrites = new AtomicLong();

    /**
     * Creates an empty host disk.
     *
     * @param name what error messages call it, e.g. the host's data directory
     */
    public MemoryHostDisk(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** {@return the name error messages use for this host disk} */
    public String name() {
        return name;
    }

    /**
     * Returns the disk of one group, creating an empty one if the group has none, so a test can
     * inspect a group's data or inject faults into it.
     *
     * @param group the group
     * @return its disk
     */
    public MemoryDisk disk(GroupId group) {
        Objects.requireNonNull(group, "group");
        return disks.computeIfAbsent(group, g -> new MemoryDisk(name + " group " + g));
    }

    /** {@return the groups whose disk holds any data} */
    public Set<GroupId> groups() {
        Set<GroupId> groups = new TreeSet<>();
        disks.forEach((group, disk) -> {
            if (disk.holdsData()) {
                groups.add(group);
            }
        });
        return groups;
    }

    /**
     * {@return how many durable syncs stores on this disk made: one per
     * {@link MemoryHostLogStore#persist} call however many groups it covers, and one per
     * {@code persist} of a group's own store}
     */
    public long syncs() {
        return syncs.get();
    }

    /**
     * {@return how many groups' writes those syncs carried: one per {@link dev.raftkit.spi.GroupWrite}
     * and one per {@code persist} of a group's own store} With several groups writing at once,
     * fewer syncs than group writes show that syncs were shared.
     */
    public long groupWrites() {
        return groupWrites.get();
    }

    @Override
    public String toString() {
        return "MemoryHostDisk[" + name + "]";
    }

    /** Counts one durable sync carrying {@code writes} groups' writes. */
    void synced(int writes) {
        syncs.incrementAndGet();
        groupWrites.addAndGet(writes);
    }

    /** Forgets a group's disk: the group's data is gone. */
    void delete(GroupId group) {
        disks.remove(group);
    }
}
