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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the core's readies durable on the storage thread, so the leader's fsync overlaps
 * replication: entries and hard state, received snapshot chunks, compaction. Messages that may
 * leave only once their entries are durable are sent here, after the write.
 *
 * <p>A single node's writer drains its backlog on its own storage queue ({@link #ownQueue}); the
 * groups of a host hand their backlogs to the host's one {@link HostStorageWriter}, which takes the
 * {@link Batch} of every group with pending readies and makes them durable with one sync. Either
 * way a batch is carried out by the same steps: {@link Batch#merged()} or {@link Batch#writeEach()},
 * then {@link Batch#done} or {@link Batch#fail}.
 *
 * <p>Threads: {@link #submit}, {@link #acknowledge} and {@link #appendsInFlight} run on the driver
 * thread, which hands readies over; everything else runs on the storage thread, which reports
 * back through the {@link Listener}, except a single node's drain that {@link #submit} runs inline
 * on the driver thread. A lock keeps the two from draining at once, so the store still sees one
 * writer at a time, in submission order.
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

    /** Asks for a drain of a writer's backlog on the storage thread. */
    @FunctionalInterface
    interface Drains {

        /**
         * Arranges for {@code writer}'s backlog to be drained on its storage thread; called once per
         * backlog that becomes non-empty, on the driver thread.
         *
         * @param writer the writer with a new backlog
         */
        void request(StorageWriter writer);
    }

    /** Drains each writer on its own storage queue, one sync per drain: a single node. */
    static final Drains OWN_QUEUE = writer -> writer.storageQueue.execute(writer::drainLocked);

    private final String nodeId;
    private final LogStore store;
    private final TaskQueue storageQueue;
    private final Drains drains;
    /** Whether the driver's task now running may write to the store itself; see {@link #submit}. */
    private final BooleanSupplier driverMayBlock;
    private final Outbox outbox;
    private final EngineMetrics metrics;
    private final Listener listener;
    /** Storage thread only: writes snapshots received from the leader. */
    private final SnapshotReceiver receiver;
    /** Readies waiting for the storage thread, and whether a drain of them is queued. */
    private final ConcurrentLinkedQueue<Ready> backlog = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** Held by whichever thread drains a single node's backlog: its storage thread or, inline, its driver. */
    private final ReentrantLock drainLock = new ReentrantLock();
    /** Set once a write failed: nothing more is written. */
    private volatile boolean failed;
    /** Driver thread only: readies with entries submitted and not yet acknowledged durable. */
    private int appendsInFlight;

    /**
     * @param storageQueue the storage thread: drains (through {@code drains}) and the store's close run there
     * @param drains where this writer's drains run
     * @param driverMayBlock whether the driver's task now running may block on the store ({@link DriverQueue#mayBlock})
     * @param snapshotCommitLock held while a received snapshot commits, as the applier does for its own
     * @param clock the runtime's monotonic clock, in nanoseconds
     */
    StorageWriter(String nodeId, LogStore store, TaskQueue storageQueue, Drains drains, BooleanSupplier driverMayBlock, Outbox outbox,
            EngineMetrics metrics, Object snapshotCommitLock, LongSupplier clock, Listener listener) {
        this.nodeId = nodeId;
        this.store = store;
        this.storageQueue = storageQueue;
        this.drains = drains;
        this.driverMayBlock = driverMayBlock;
        this.outbox = outbox;
        this.metrics = metrics;
        this.listener = listener;
        this.receiver = new SnapshotReceiver(nodeId, store, snapshotCommitLock, listener::snapshotReceived, clock);
    }

    /**
     * Driver thread: queues what {@code ready} asks to persist. A single node's ready that holds
     * messages back until its persist (a follower's acknowledgement, a vote) is written at once on
     * the driver thread if the storage thread is idle and the driver's task may block there (not
     * on a transport's thread, see {@link SharedDriverQueue}): that message waits for no hand-off
     * to the storage thread and back. Otherwise, and for every other ready, the storage thread writes it,
     * so the leader's fsync overlaps replication and readies that arrive meanwhile share the next
     * fsync.
     */
    void submit(Ready ready) {
        if (!ready.entries().isEmpty()) {
            appendsInFlight++;
        }
        backlog.add(ready);
        if (drainScheduled.compareAndSet(false, true)) {
            if (drains == OWN_QUEUE && !ready.afterPersist().isEmpty() && ready.snapshotChunks().isEmpty()
                    && driverMayBlock.getAsBoolean() && drainLock.tryLock()) {
                try {
                    drainOrDie();
                } finally {
                    drainLock.unlock();
                }
            } else {
                drains.request(this);
            }
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

    /** A single node's storage thread: drains under {@link #drainLock}. */
    private void drainLocked() {
        drainLock.lock();
        try {
            drainOrDie();
        } finally {
            drainLock.unlock();
        }
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
            died(t);
        }
    }

    /**
     * Storage thread: something unexpected was thrown while this writer's backlog was carried out;
     * nothing more is written and the node stops.
     */
    void died(Throwable cause) {
        failed = true;
        listener.died(cause);
    }

    /**
     * Carries out every ready queued since the last run, as one durable write when they only hold
     * entries and hard state. While an fsync runs, the driver keeps producing readies, so they pile
     * up here and share the next fsync: group commit without any delay.
     */
    private void drain() {
        Batch batch = takeBatch();
        if (batch == null) {
            return;
        }
        try {
            Merged merged = batch.merged();
            if (merged == null) {
                batch.writeEach();
            } else if (!merged.isEmpty()) {
                long start = batch.clock();
                store.persist(merged.hardState(), merged.entries());
                batch.synced(start);
            }
        } catch (IOException | RuntimeException | Error e) {
            // An Error too (out of memory receiving a snapshot): the storage queue would drop it
            // silently, and the node would wait forever for this persist.
            batch.fail(e);
            return;
        }
        batch.done();
    }

    /**
     * Storage thread: takes every ready queued since the last drain.
     *
     * @return them, or null if there are none or a write of this writer failed before
     */
    Batch takeBatch() {
        drainScheduled.set(false);
        List<Ready> readies = new ArrayList<>();
        for (Ready r = backlog.poll(); r != null; r = backlog.poll()) {
            readies.add(r);
        }
        return readies.isEmpty() || failed ? null : new Batch(readies);
    }

    /**
     * The entries and last hard state of several readies, to be written in one call (one fsync).
     *
     * @param hardState the last hard state, or null to keep the stored one
     * @param entries the entries, a later ready's replacing the suffix of an earlier one it overwrote
     */
    record Merged(HardState hardState, List<LogEntry> entries) {

        /** {@return whether there is nothing to write} */
        boolean isEmpty() {
            return hardState == null && entries.isEmpty();
        }
    }

    /** The readies of one drain, carried out in order on the storage thread. */
    final class Batch {
        private final List<Ready> readies;
        private Merged merged;

        private Batch(List<Ready> readies) {
            this.readies = readies;
        }

        /**
         * Merges the readies into one write if they hold only entries and hard state.
         *
         * @return the write, or null if a ready also carries snapshot chunks or a compaction, so
         *     that the readies must go through {@link #writeEach()}
         */
        Merged merged() {
            if (!readies.stream().allMatch(r -> r.snapshotChunks().isEmpty() && r.compactThrough() == 0)) {
                return null;
            }
            List<LogEntry> entries = new ArrayList<>();
            HardState hardState = null;
            for (Ready r : readies) {
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
            merged = new Merged(hardState, entries);
            return merged;
        }

        /** Carries out the readies one by one on this writer's store: writes, snapshot chunks, compaction. */
        void writeEach() throws IOException {
            for (Ready ready : readies) {
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

        /** {@return now on the node's metrics clock, for {@link #synced}} */
        long clock() {
            return metrics.clock();
        }

        /**
         * Records that the {@link #merged()} write is durable, for the metrics.
         *
         * @param start when its sync started, on the metrics clock
         */
        void synced(long start) {
            metrics.persisted(merged.entries().size(), start);
        }

        /** The batch is durable: sends the messages that waited for it and tells the driver. */
        void done() {
            readies.forEach(r -> r.afterPersist().forEach(outbox::send));
            LogEntry last = null;
            int withEntries = 0;
            for (Ready r : readies) {
                if (!r.entries().isEmpty()) {
                    last = r.entries().get(r.entries().size() - 1);
                    withEntries++;
                }
            }
            if (last != null) {
                listener.persisted(last, withEntries);
            }
        }

        /** The batch could not be made durable: nothing more is written and the node stops. */
        void fail(Throwable cause) {
            failed = true;
            listener.failed(new FatalException("[" + nodeId + "] persisting to the log store failed: "
                    + cause.getMessage(), cause));
        }
    }
}
