package dev.raftkit.core;

import dev.raftkit.Config;
import dev.raftkit.DriverDeadException;
import dev.raftkit.FatalException;
import dev.raftkit.NoLeaderException;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.RaftException;
import dev.raftkit.Role;
import dev.raftkit.core.protocol.RaftCore;
import dev.raftkit.core.protocol.ReadState;
import dev.raftkit.core.protocol.Ready;
import dev.raftkit.core.protocol.SnapshotChunk;
import dev.raftkit.core.protocol.StorageFault;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.TaskQueue;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one node's {@link RaftCore} on a single task queue: steps it with ticks, inbound messages
 * and client calls, and carries out each {@link Ready}: sends, persists (on a separate storage
 * queue, so the leader's fsync overlaps replication), and hands committed entries to the
 * {@link Applier}.
 *
 * <p>Everything but the {@code submit*}, {@link #onMessage} and {@link #view()} methods runs on
 * the driver's queue. If a driver task throws, the node stops: with {@link FatalException} for a
 * storage fault, with {@link DriverDeadException} for anything else.
 *
 * @param <R> the response type
 */
final class Driver<R> {

    private static final Logger LOG = LoggerFactory.getLogger(Driver.class);
    /** Byte budget of committed entries handed to the applier per ready. */
    private static final long MAX_APPLY_BYTES = 4L << 20;

    private record PendingRead<T>(Supplier<? extends T> query, CompletableFuture<T> future) {
    }

    /** Writes buffered while batching is on, with their payloads. */
    private record BufferedWrite<R>(List<byte[]> payloads, PendingWrite<R> write) {
    }

    private final Config config;
    private final String nodeId;
    private final RaftCore core;
    private final LogStore store;
    private final Transport transport;
    private final TaskQueue queue;
    private final TaskQueue storageQueue;
    private final Applier<?, R> applier;
    /** Storage thread only: writes snapshots received from the leader. */
    private final SnapshotReceiver receiver;
    private final Notifier notifier;
    private final Outstanding outstanding;
    private final long tickNanos;

    /** Writes proposed but not yet handed to the applier, in index order. */
    private final ArrayDeque<PendingWrite<R>> pendingWrites = new ArrayDeque<>();
    private final List<BufferedWrite<R>> batch = new ArrayList<>();
    private int batchedCommands;
    private TaskQueue.Cancellable batchTimer;
    private final Map<Long, PendingRead<?>> pendingReads = new HashMap<>();
    private long nextReadContext;
    private boolean flushScheduled;
    private boolean stopped;
    private volatile boolean storageFailed;

    private Role lastRole;
    private long lastTerm = -1;
    private Optional<NodeId> lastLeader = Optional.empty();
    private volatile DriverView view;

    Driver(Config config, RaftCore core, LogStore store, Transport transport, TaskQueue queue, TaskQueue storageQueue,
            Applier<?, R> applier, Notifier notifier, Outstanding outstanding) {
        this.config = config;
        this.nodeId = config.self().value();
        this.core = core;
        this.store = store;
        this.transport = transport;
        this.queue = queue;
        this.storageQueue = storageQueue;
        this.applier = applier;
        this.notifier = notifier;
        this.outstanding = outstanding;
        this.tickNanos = config.tickInterval().toNanos();
        this.view = DriverView.of(core);
        this.receiver = new SnapshotReceiver(nodeId, store, applier.snapshotCommitLock(), this::snapshotReceived);
    }

    /** The storage thread committed (or rejected) a received snapshot. */
    private void snapshotReceived(SnapshotMeta meta, boolean installed) {
        queue.execute(task(() -> {
            if (installed) {
                core.onSnapshotInstalled(meta);
                applier.restore(meta);
            } else {
                core.onSnapshotRejected(meta);
            }
        }));
    }

    /** The applier committed a snapshot of the state machine: the log before it can be compacted. */
    void onSnapshotTaken(SnapshotMeta meta) {
        queue.execute(task(() -> core.onSnapshotTaken(meta)));
    }

    /** Stops the node because the applier hit a storage failure. */
    void onApplierFailure(Throwable failure) {
        queue.execute(() -> fail(new FatalException("[" + nodeId + "] " + failure.getMessage(), failure)));
    }

    /** Starts ticking; called once, after the transport started. */
    void start() {
        queue.execute(task(() -> {
            notifier.membershipChanged(core.membership());
            scheduleTick();
        }));
    }

    /** Returns the latest published view of the core. */
    DriverView view() {
        return view;
    }

    // ---------------------------------------------------------------- entry points (any thread)

    /** Submits encoded commands as one contiguous run, answered through {@code write}. */
    void submitWrite(List<byte[]> payloads, PendingWrite<R> write) {
        queue.execute(task(() -> {
            if (config.maxBatchDelayTicks() == 0) {
                propose(payloads, write);
                return;
            }
            batch.add(new BufferedWrite<>(payloads, write));
            batchedCommands += payloads.size();
            if (batchedCommands >= config.maxBatchEntries()) {
                flushBatch();
            } else if (batchTimer == null) {
                batchTimer = queue.schedule(task(this::flushBatch), config.maxBatchDelayTicks() * tickNanos);
            }
        }));
    }

    /** Submits a linearizable read. */
    <T> void submitRead(Supplier<? extends T> query, CompletableFuture<T> future) {
        queue.execute(task(() -> {
            long context = ++nextReadContext;
            if (core.readIndex(context)) {
                pendingReads.put(context, new PendingRead<>(query, future));
            } else {
                future.completeExceptionally(notLeader());
            }
        }));
    }

    /** The transport's handler: queues an inbound message for the core. */
    void onMessage(RaftMessage message) {
        if (!message.to().equals(config.self())) {
            LOG.debug("[{}] dropping a message addressed to {}", nodeId, message.to());
            return;
        }
        queue.execute(task(() -> core.step(message)));
    }

    /**
     * Stops the node: no more ticks or steps; the transport closes at once, the store after
     * persists already queued. Runs {@code whenStopped} afterwards, on the storage queue.
     */
    void stop(Runnable whenStopped) {
        queue.execute(() -> halt(whenStopped));
    }

    private void halt(Runnable whenStopped) {
        if (stopped) {
            whenStopped.run();
            return;
        }
        stopped = true;
        if (batchTimer != null) {
            batchTimer.cancel();
        }
        closeTransport();
        storageQueue.execute(() -> {
            try {
                store.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("[{}] closing the log store failed", nodeId, e);
            }
            whenStopped.run();
        });
    }

    // ---------------------------------------------------------------- driver thread

    /** Wraps driver work that steps the core: skipped once stopped, followed by a flush. */
    private Runnable task(Runnable body) {
        return guarded(() -> {
            body.run();
            scheduleFlush();
        });
    }

    /** Wraps driver work: skipped once stopped, and stopping the node if it throws. */
    private Runnable guarded(Runnable body) {
        return () -> {
            if (stopped) {
                return;
            }
            try {
                body.run();
            } catch (StorageFault e) {
                fail(new FatalException("[" + nodeId + "] log store failed: " + e.getMessage(), e.getCause()));
            } catch (Throwable t) {
                fail(new DriverDeadException("[" + nodeId + "] driver died: " + t, t));
            }
        };
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            queue.execute(guarded(this::flush));
        }
    }

    private void scheduleTick() {
        queue.schedule(task(() -> {
            core.tick();
            scheduleTick();
        }), tickNanos);
    }

    private void flushBatch() {
        if (batchTimer != null) {
            batchTimer.cancel();
            batchTimer = null;
        }
        if (batch.isEmpty()) {
            return;
        }
        List<byte[]> payloads = new ArrayList<>(batchedCommands);
        for (BufferedWrite<R> b : batch) {
            payloads.addAll(b.payloads);
        }
        long first = core.propose(payloads);
        for (BufferedWrite<R> b : batch) {
            if (first < 0) {
                b.write.fail(notLeader());
            } else {
                accept(b.write, first);
                first += b.payloads.size();
            }
        }
        batch.clear();
        batchedCommands = 0;
    }

    private void propose(List<byte[]> payloads, PendingWrite<R> write) {
        long first = core.propose(payloads);
        if (first < 0) {
            write.fail(notLeader());
        } else {
            accept(write, first);
        }
    }

    private void accept(PendingWrite<R> write, long firstIndex) {
        write.firstIndex = firstIndex;
        write.term = core.term();
        pendingWrites.add(write);
    }

    /** Carries out what the core produced. */
    private void flush() {
        flushScheduled = false;
        failLostLeadership();
        if (core.hasReady()) {
            Ready ready = core.ready(MAX_APPLY_BYTES);
            ready.messages().forEach(this::send);
            if (ready.needsPersistStep()) {
                storageQueue.execute(() -> persist(ready));
            }
            handOver(ready.committed());
            for (ReadState read : ready.reads()) {
                startRead(read);
            }
            if (core.hasReady()) {
                scheduleFlush();
            }
        }
        publish();
    }

    private void persist(Ready ready) {
        if (storageFailed) {
            return;
        }
        try {
            if (ready.hardState() != null || !ready.entries().isEmpty()) {
                store.persist(ready.hardState(), ready.entries());
            }
            for (SnapshotChunk chunk : ready.snapshotChunks()) {
                receiver.write(chunk);
            }
            if (ready.compactThrough() > 0) {
                store.compact(ready.compactThrough());
            }
        } catch (IOException | RuntimeException | Error e) {
            // An Error too (out of memory receiving a snapshot): the storage queue would drop it
            // silently, and the node would wait forever for this persist.
            storageFailed = true;
            queue.execute(() -> fail(new FatalException("[" + nodeId + "] persisting to the log store failed: "
                    + e.getMessage(), e)));
            return;
        }
        ready.afterPersist().forEach(this::send);
        if (!ready.entries().isEmpty()) {
            LogEntry last = ready.entries().get(ready.entries().size() - 1);
            queue.execute(task(() -> core.onPersisted(last.index(), last.term())));
        }
    }

    private void handOver(List<LogEntry> committed) {
        if (committed.isEmpty()) {
            return;
        }
        long last = committed.get(committed.size() - 1).index();
        List<PendingWrite<R>> writes = new ArrayList<>();
        while (!pendingWrites.isEmpty() && pendingWrites.peekFirst().firstIndex <= last) {
            writes.add(pendingWrites.pollFirst());
        }
        applier.apply(committed, writes);
    }

    @SuppressWarnings("unchecked")
    private void startRead(ReadState read) {
        PendingRead<Object> pending = (PendingRead<Object>) pendingReads.remove(read.context());
        if (pending != null) {
            applier.read(read.index(), pending.query, pending.future);
        }
    }

    /** Fails writes and reads that were waiting on a leadership this node no longer holds. */
    private void failLostLeadership() {
        for (long context : core.takeDroppedReads()) {
            PendingRead<?> read = pendingReads.remove(context);
            if (read != null) {
                read.future.completeExceptionally(notLeader());
            }
        }
        if (!pendingWrites.isEmpty()
                && (core.role() != Role.LEADER || core.term() != pendingWrites.peekFirst().term)) {
            // Always NotLeader, never NoLeader: these entries were appended and may still commit.
            NodeId hint = core.leader().filter(l -> !l.equals(config.self())).orElse(null);
            RaftException error = new NotLeaderException("[" + nodeId + "] lost leadership while the write was "
                    + "pending; it may still commit", hint,
                    hint == null ? null : core.membership().addressOf(hint).orElse(null));
            pendingWrites.forEach(w -> w.fail(error));
            pendingWrites.clear();
        }
    }

    private RaftException notLeader() {
        Optional<NodeId> leader = core.leader().filter(l -> !l.equals(config.self()));
        if (leader.isPresent()) {
            return new NotLeaderException("[" + nodeId + "] not the leader; the leader is " + leader.get(),
                    leader.get(), core.membership().addressOf(leader.get()).orElse(null));
        }
        return new NoLeaderException("[" + nodeId + "] no leader is known (role " + core.role() + ", term "
                + core.term() + ")");
    }

    private void publish() {
        DriverView next = DriverView.of(core);
        view = next;
        if (next.role() != lastRole || next.term() != lastTerm) {
            if (next.role() != lastRole) {
                LOG.info("[{}] term {}: {} -> {}", nodeId, next.term(), lastRole, next.role());
                notifier.roleChanged(next.role(), next.term());
            }
            lastRole = next.role();
            lastTerm = next.term();
        }
        if (!next.leader().equals(lastLeader)) {
            lastLeader = next.leader();
            notifier.leaderChanged(next.leader(), next.term());
        }
    }

    private void send(RaftMessage message) {
        try {
            transport.send(message);
        } catch (RuntimeException e) {
            // The Transport contract forbids throwing; treat it as a lost message.
            LOG.warn("[{}] transport threw on send to {}; message dropped", nodeId, message.to(), e);
        }
    }

    private void closeTransport() {
        try {
            transport.close();
        } catch (RuntimeException e) {
            LOG.warn("[{}] closing the transport failed", nodeId, e);
        }
    }

    /** Stops the node after a fault: fails everything, closes transport and store. */
    private void fail(RaftException failure) {
        if (stopped) {
            return;
        }
        if (outstanding.stop(failure)) {
            LOG.error("[{}] node stopped: {}", nodeId, failure.getMessage(), failure.getCause());
        }
        halt(() -> {
        });
    }

    /** An immutable view of the core, published after each flush for {@code status()}. */
    record DriverView(Role role, long term, Optional<NodeId> leader, long commitIndex, long lastLogIndex,
            long snapshotIndex, dev.raftkit.Membership membership) {
        static DriverView of(RaftCore core) {
            return new DriverView(core.role(), core.term(), core.leader(), core.commitIndex(), core.lastIndex(),
                    core.snapshotIndex(), core.membership());
        }
    }
}
