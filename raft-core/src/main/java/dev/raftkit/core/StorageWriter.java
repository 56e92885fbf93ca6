package dev.raftkit.core;

import dev.raftkit.FatalException;
import dev.raftkit.core.protocol.Ready;
import dev.raftkit.core.protocol.SnapshotChunk;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.TaskQueue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the core's readies durable on the storage thread, so the leader's fsync overlaps
 * replication: entries and hard state, received snapshot chunks, compaction. Messages that may
 * leave only once their entries are durable are sent here, after the write.
 *
 * <p>Threads: {@link #submit}, {@link #acknowledge} and {@link #appendsInFlight} run on the driver
 * thread, which hands readies over; everything else runs on the storage thread, which reports
 * back through the {@link Listener}.
 */
final class StorageWriter {

    private static final Logger LOG = LoggerFactory.getLogger(StorageWriter.class);

    /** Told (on the storage thread) what the storage thread did. */
    interface Listener {

        /**
         * The log is durable up to {@code last}.
         *
         * @param readies how many submitted readies with entries this covers
         */
        void persisted(LogEntry last, int readies);

        /** A snapshot received from the leader was committed ({@code installed}) or failed its check. */
        void snapshotReceived(SnapshotMeta meta, boolean installed);

        /** The log store failed: the node must stop, as nothing more can be made durable. */
        void failed(FatalException failure);

        /** Something else was thrown on the storage thread: the node must stop. */
        void died(Throwable cause);
    }

    private final String nodeId;
    private final LogStore store;
    private final TaskQueue storageQueue;
    private final Outbox outbox;
    private final EngineMetrics metrics;
    private final Listener listener;
    /** Storage thread only: writes snapshots received from the leader. */
    private final SnapshotReceiver receiver;
    /** Readies waiting for the storage thread, and whether a drain of them is queued. */
    private final ConcurrentLinkedQueue<Ready> backlog = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** Set once a write failed: nothing more is written. */
    private volatile boolean failed;
    /** Driver thread only: readies with entries submitted and not yet acknowledged durable. */
    private int appendsInFlight;

    /**
     * @param snapshotCommitLock held while a received snapshot commits, as the applier does for its own
     * @param clock the runtime's monotonic clock, in nanoseconds
     */
    StorageWriter(String nodeId, LogStore store, TaskQueue storageQueue, Outbox outbox, EngineMetrics metrics,
            Object snapshotCommitLock, LongSupplier clock, Listener listener) {
        this.nodeId = nodeId;
        this.store = store;
        this.storageQueue = storageQueue;
        this.outbox = outbox;
        this.metrics = metrics;
        this.listener = listener;
        this.receiver = new SnapshotReceiver(nodeId, store, snapshotCommitLock, listener::snapshotReceived, clock);
    }

    /** Driver thread: queues what {@code ready} asks to persist. */
    void submit(Ready ready) {
        if (!ready.entries().isEmpty()) {
            appendsInFlight++;
        }
        backlog.add(ready);
        if (drainScheduled.compareAndSet(false, true)) {
            storageQueue.execute(this::drainOrDie);
        }
    }

    /** Driver thread: {@code readies} submitted readies with entries are durable. */
    void acknowledge(int readies) {
        appendsInFlight -= readies;
    }

    /** Driver thread: how many submitted readies with entries are not yet acknowledged durable. */
    int appendsInFlight() {
        return appendsInFlight;
    }

    /** Closes the store once the writes queued before have run, then runs {@code then}. */
    void close(Runnable then) {
        storageQueue.execute(() -> {
            try {
                store.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("[{}] closing the log store failed", nodeId, e);
            }
            then.run();
        });
    }

    /**
     * Anything {@link #drain} lets through (an Error from the store or from sending an
     * acknowledgement) kills the node as it would on the driver queue, instead of vanishing and
     * leaving the node hung.
     */
    private void drainOrDie() {
        try {
            drain();
        } catch (Throwable t) {
            failed = true;
            listener.died(t);
        }
    }

    /**
     * Carries out every ready queued since the last run, as one durable write when they only hold
     * entries and hard state. While an fsync runs, the driver keeps producing readies, so they pile
     * up here and share the next fsync: group commit without any delay.
     */
    private void drain() {
        drainScheduled.set(false);
        List<Ready> batch = new ArrayList<>();
        for (Ready r = backlog.poll(); r != null; r = backlog.poll()) {
            batch.add(r);
        }
        if (batch.isEmpty() || failed) {
            return;
        }
        try {
            if (batch.stream().allMatch(r -> r.snapshotChunks().isEmpty() && r.compactThrough() == 0)) {
                persistMerged(batch);
            } else {
                for (Ready r : batch) {
                    persistOne(r);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            // An Error too (out of memory receiving a snapshot): the storage queue would drop it
            // silently, and the node would wait forever for this persist.
            failed = true;
            listener.failed(new FatalException("[" + nodeId + "] persisting to the log store failed: "
                    + e.getMessage(), e));
            return;
        }
        batch.forEach(r -> r.afterPersist().forEach(outbox::send));
        LogEntry last = null;
        int withEntries = 0;
        for (Ready r : batch) {
            if (!r.entries().isEmpty()) {
                last = r.entries().get(r.entries().size() - 1);
                withEntries++;
            }
        }
        if (last != null) {
            listener.persisted(last, withEntries);
        }
    }

    /** Writes the entries and the last hard state of several readies in one call (one fsync). */
    private void persistMerged(List<Ready> batch) throws IOException {
        List<LogEntry> entries = new ArrayList<>();
        HardState hardState = null;
        for (Ready r : batch) {
            if (!r.entries().isEmpty()) {
                long first = r.entries().get(0).index();
                // A later ready may replace a suffix of an earlier one (the leader overwrote it).
                while (!entries.isEmpty() && entries.get(entries.size() - 1).index() >= first) {
                    entries.remove(entries.size() - 1);
                }
                entries.addAll(r.entries());
            }
            if (r.hardState() != null) {
                hardState = r.hardState();
            }
        }
        if (hardState != null || !entries.isEmpty()) {
            long start = metrics.clock();
            store.persist(hardState, entries);
            metrics.persisted(entries.size(), start);
        }
    }

    private void persistOne(Ready ready) throws IOException {
        if (ready.hardState() != null || !ready.entries().isEmpty()) {
            store.persist(ready.hardState(), ready.entries());
        }
        for (SnapshotChunk chunk : ready.snapshotChunks()) {
            receiver.write(chunk);
        }
        if (ready.compactThrough() > 0) {
            store.compact(ready.compactThrough());
        }
    }
}
