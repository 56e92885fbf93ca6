package dev.raftkit.testkit.memory;

import dev.raftkit.GroupId;
import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@link HostLogStore} of the {@code memory} provider: each group's view is a
 * {@link MemoryLogStore} on that group's {@link MemoryDisk} of a {@link MemoryHostDisk}, so every
 * group keeps the whole {@link LogStore} contract, and a host reopened on the same host disk
 * recovers every group (opening a group's view fences the view an earlier store opened).
 *
 * <p>{@link #persist} counts as one sync ({@link MemoryHostDisk#syncs()}) however many groups it
 * covers. It checks every write before it applies any, so a write that breaks the rules stores
 * nothing of the call; a write fault injected into a group's disk fails the call at that group,
 * after the writes before it in the list were applied (a torn multi-group sync, which the contract
 * allows: the call throws).
 *
 * <p>Thread-safe; calls of {@link #persist} are serialised, as syncs of one journal are.
 */
public final class MemoryHostLogStore implements HostLogStore {

    private final MemoryHostDisk hostDisk;
    /** Guarded by {@code this}. */
    private final Map<GroupId, MemoryLogStore> open = new HashMap<>();
    private boolean closed;

    /**
     * Opens a host store on {@code hostDisk}; groups open their views with {@link #group}.
     *
     * @param hostDisk the host's disk
     */
    public MemoryHostLogStore(MemoryHostDisk hostDisk) {
        this.hostDisk = Objects.requireNonNull(hostDisk, "hostDisk");
    }

    /** {@return the host disk this store keeps every group's state on} */
    public MemoryHostDisk hostDisk() {
        return hostDisk;
    }

    /** {@return how many durable syncs were made on this store's host disk; see {@link MemoryHostDisk#syncs()}} */
    public long syncs() {
        return hostDisk.syncs();
    }

    @Override
    public synchronized LogStore group(GroupId group) {
        Objects.requireNonNull(group, "group");
        checkOpen();
        if (open.containsKey(group)) {
            throw new IllegalStateException("group " + group + " is open already on " + hostDisk);
        }
        MemoryLogStore[] view = new MemoryLogStore[1];
        view[0] = new MemoryLogStore(hostDisk.disk(group), () -> hostDisk.synced(1), () -> released(group, view[0]));
        open.put(group, view[0]);
        return view[0];
    }

    @Override
    public synchronized void persist(List<GroupWrite> writes) throws IOException {
        checkOpen();
        List<MemoryLogStore> views = new ArrayList<>(writes.size());
        Map<GroupId, Long> lastIndexAfter = new HashMap<>();
        for (GroupWrite write : writes) {
            MemoryLogStore view = open.get(write.group());
            if (view == null) {
                throw new IllegalArgumentException("persist: group " + write.group() + " is not open on " + hostDisk);
            }
            long lastIndex = lastIndexAfter.containsKey(write.group())
                    ? lastIndexAfter.get(write.group()) : view.lastIndex();
            lastIndexAfter.put(write.group(), view.checkPersist(write.entries(), lastIndex));
            views.add(view);
        }
        for (int i = 0; i < writes.size(); i++) {
            GroupWrite write = writes.get(i);
            views.get(i).persistInSync(write.hardState(), write.entries());
        }
        hostDisk.synced(writes.size());
    }

    @Override
    public synchronized void deleteGroup(GroupId group) {
        Objects.requireNonNull(group, "group");
        checkOpen();
        if (open.containsKey(group)) {
            throw new IllegalStateException("cannot delete group " + group + " of " + hostDisk + ": it is open");
        }
        hostDisk.delete(group);
    }

    @Override
    public Set<GroupId> groups() {
        synchronized (this) {
            checkOpen();
        }
        return hostDisk.groups();
    }

    /** Closes every open group's view. Idempotent. */
    @Override
    public void close() {
        List<MemoryLogStore> views;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            views = new ArrayList<>(open.values());
        }
        for (MemoryLogStore view : views) {
            view.close();
        }
    }

    @Override
    public String toString() {
        return "MemoryHostLogStore[" + hostDisk.name() + "]";
    }

    private synchronized void released(GroupId group, MemoryLogStore view) {
        open.remove(group, view);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("memory host log store on " + hostDisk.name() + " is closed");
        }
    }
}
