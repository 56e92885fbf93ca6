package dev.raftkit.core;

import dev.raftkit.GroupId;
import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.TaskQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one storage writer of a host: on the host's storage thread it takes the pending
 * {@link StorageWriter.Batch} of every group that has one and makes all of them durable with one
 * {@link HostLogStore#persist} call (group commit across groups). While that sync runs, groups keep
 * submitting, so their batches pile up for the next one; there is no added delay.
 *
 * <p>A batch that carries snapshot chunks or a compaction is carried out on its group's own store
 * first, in its group's order, as a single node's writer does. If the shared sync fails, every group
 * in it stops with a {@link dev.raftkit.FatalException}, as a single node does when its store fails.
 */
final class HostStorageWriter {

    private final HostLogStore store;
    private final TaskQueue queue;
    /** Groups whose writer has a backlog, in the order they asked. */
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    /**
     * @param store the host's store
     * @param queue the host's storage thread, which every group's storage writer shares
     */
    HostStorageWriter(HostLogStore store, TaskQueue queue) {
        this.store = store;
        this.queue = queue;
    }

    /** {@return the host's storage thread} */
    TaskQueue queue() {
        return queue;
    }

    /**
     * Returns where the storage writer of {@code group} drains: here, together with every other group.
     *
     * @param group the group
     * @return its drains
     */
    StorageWriter.Drains drainsOf(GroupId group) {
        return writer -> {
            pending.add(new Pending(group, writer));
            if (drainScheduled.compareAndSet(false, true)) {
                queue.execute(this::drainAll);
            }
        };
    }

    /** Storage thread: makes every pending group's batch durable, the plain ones with one sync. */
    private void drainAll() {
        drainScheduled.set(false);
        List<Pending> groups = new ArrayList<>();
        for (Pending p = pending.poll(); p != null; p = pending.poll()) {
            groups.add(p);
        }
        List<GroupWrite> writes = new ArrayList<>();
        List<Synced> synced = new ArrayList<>();
        for (Pending p : groups) {
            try {
                StorageWriter.Batch batch = p.writer().takeBatch();
                if (batch != null) {
                    collect(p, batch, writes, synced);
                }
            } catch (Throwable t) {
                p.writer().died(t);
            }
        }
        if (writes.isEmpty()) {
            return;
        }
        try {
            store.persist(writes);
        } catch (Throwable t) {
            synced.forEach(s -> s.batch().fail(t));
            return;
        }
        for (Synced s : synced) {
            try {
                s.batch().synced(s.start());
                s.batch().done();
            } catch (Throwable t) {
                s.writer().died(t);
            }
        }
    }

    /** Adds a plain batch to the shared sync; carries out any other batch on its own. */
    private static void collect(Pending p, StorageWriter.Batch batch, List<GroupWrite> writes, List<Synced> synced) {
        StorageWriter.Merged merged = batch.merged();
        if (merged == null) {
            try {
                batch.writeEach();
            } catch (Throwable t) {
                batch.fail(t);
                return;
            }
            batch.done();
        } else if (merged.isEmpty()) {
            batch.done();
        } else {
            writes.add(new GroupWrite(p.group(), merged.hardState(), merged.entries()));
            synced.add(new Synced(p.writer(), batch, batch.clock()));
        }
    }

    /** A group whose writer asked for a drain. */
    private record Pending(GroupId group, StorageWriter writer) {
    }

    /** A batch in the shared sync, with the start of the sync on its node's metrics clock. */
    private record Synced(StorageWriter writer, StorageWriter.Batch batch, long start) {
    }
}
