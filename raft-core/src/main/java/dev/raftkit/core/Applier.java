package dev.raftkit.core;

import dev.raftkit.Codec;
import dev.raftkit.Membership;
import dev.raftkit.NotLeaderException;
import dev.raftkit.SessionExpiredException;
import dev.raftkit.SessionId;
import dev.raftkit.SnapshotInfo;
import dev.raftkit.StateMachine;
import dev.raftkit.core.protocol.MembershipCodec;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import dev.raftkit.spi.TaskQueue;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies committed entries to the user's state machine on one thread, in index order, completes
 * local writers' futures with {@code apply}'s responses, and runs read queries between applies once
 * the index they need is applied.
 *
 * <p>A slow {@code apply} delays only later applies and reads on this node: the driver hands work
 * over without waiting.
 *
 * @param <C> the command type
 * @param <R> the response type
 */
final class Applier<C, R> {

    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

    /** Told, on the apply thread, what the driver must act on; the driver's. */
    interface Listener {

        /** This applier committed a snapshot of the state machine: the log before it can be compacted. */
        void snapshotTaken(SnapshotMeta meta);

        /** A storage failure (an unreadable snapshot, a failed restore) that must stop the node. */
        void failed(Throwable failure);

        /**
         * An apply or a query threw an Error: the node must stop, as entries after the failed one
         * will never be applied here. Nothing runs on this applier afterwards.
         */
        void died(Throwable cause);
    }

    /** A read that runs once {@code index} is applied. */
    record WaitingRead(long index, Supplier<?> query, CompletableFuture<Object> future) {
    }

    private final String nodeId;
    private final StateMachine<C, R> stateMachine;
    private final LogStore store;
    private final long snapshotThreshold;
    private final EngineMetrics metrics;
    private final Listener listener;
    /** Apply thread only: set once this thread died; no apply or query runs afterwards. */
    private boolean dead;
    /** Apply thread only: the term of the last applied entry and the configuration in force. */
    private long appliedTerm;
    private Membership membership;
    private long lastSnapshotIndex;
    private SnapshotMeta lastSnapshot;
    private final List<CompletableFuture<SnapshotInfo>> snapshotRequests = new ArrayList<>();
    /** Apply thread only: requests that came while a snapshot committed; they get the next one. */
    private final List<CompletableFuture<SnapshotInfo>> requestsAfterCommit = new ArrayList<>();
    /** Apply thread only: the snapshot committing on {@link #commitQueue}, or null. */
    private SnapshotCommit committing;
    /** Where a written snapshot is made durable: a host's snapshot thread, or this applier's own queue. */
    private final TaskQueue commitQueue;
    /**
     * Held while a snapshot commits, here and in {@link SnapshotReceiver}: the two write snapshots
     * on different threads, and the store keeps only the last one committed.
     */
    private final Object snapshotCommitLock = new Object();
    private final Codec<C> codec;
    private final TaskQueue queue;
    private final PriorityQueue<WaitingRead> waiting =
            new PriorityQueue<>((a, b) -> Long.compare(a.index, b.index));
    private final long replayTarget;
    /** Reads that callers' threads hand over directly; see {@link #submitRead}. */
    private final HandOffInbox<WaitingRead> submittedReads;
    /** Writes whose entries are being applied, in index order; apply thread only. */
    private final ArrayDeque<PendingWrite<R>> writes = new ArrayDeque<>();
    /** Apply thread only: the sessions, checked before a session write reaches the state machine. */
    private final SessionTable<R> sessions;
    private final LogClock logClock;
    private volatile long applied;

    /**
     * @param queue the apply thread
     * @param commitQueue where written snapshots are made durable ({@link SnapshotCommit}): {@code queue}, or a
     *     thread that does not apply
     * @param restored the snapshot the state machine was restored from at start, or null
     * @param membership the configuration in force at start
     * @param replayTarget the commit index known at start: local reads wait until it is applied
     * @param snapshotThreshold applied entries since the last snapshot that trigger one; 0 = never
     * @param sessions the session table, as restored with {@code restored}
     * @param logClock told of the log time of every applied session entry
     * @param metrics told of every snapshot taken
     * @param listener told of snapshots taken, storage failures and this applier's death
     */
    Applier(String nodeId, StateMachine<C, R> stateMachine, Codec<C> codec, TaskQueue queue, TaskQueue commitQueue,
            LogStore store,
            SnapshotMeta restored, Membership membership, long replayTarget, long snapshotThreshold,
            SessionTable<R> sessions, LogClock logClock, EngineMetrics metrics, Listener listener) {
        this.sessions = sessions;
        this.logClock = logClock;
        this.nodeId = nodeId;
        this.stateMachine = stateMachine;
        this.codec = codec;
        this.queue = queue;
        this.commitQueue = commitQueue;
        this.store = store;
        this.membership = membership;
        this.replayTarget = replayTarget;
        this.snapshotThreshold = snapshotThreshold;
        this.metrics = metrics;
        this.listener = listener;
        this.submittedReads = new HandOffInbox<>(task -> queue.execute(guarded(task)), this::runWhenApplied);
        if (restored != null) {
            this.applied = restored.index();
            this.appliedTerm = restored.term();
            this.lastSnapshotIndex = restored.index();
            this.lastSnapshot = restored;
        }
    }

    /** Returns the lock that a snapshot received from the leader commits under. */
    Object snapshotCommitLock() {
        return snapshotCommitLock;
    }

    /** Returns the highest applied index. */
    long applied() {
        return applied;
    }

    /**
     * Queues committed entries, in index order, with the local writes whose first entry is among
     * them or before (also in index order; a batch may span several calls).
     */
    void apply(List<LogEntry> entries, List<PendingWrite<R>> newWrites) {
        queue.execute(guarded(() -> {
            writes.addAll(newWrites);
            applyNow(entries);
        }));
    }

    /**
     * Wraps apply-thread work: skipped once the thread died; an Error (which apply and queries do
     * not catch) goes to the listener instead of vanishing in the queue, which would leave
     * writers waiting for ever and silently skip the rest of the entries.
     */
    private Runnable guarded(Runnable body) {
        return () -> {
            if (dead) {
                return;
            }
            try {
                body.run();
            } catch (Throwable t) {
                dead = true;
                listener.died(t);
            }
        };
    }

    private void applyNow(List<LogEntry> entries) {
        for (LogEntry entry : entries) {
            if (entry.index() <= applied) {
                continue;
            }
            PendingWrite<R> write = writeAt(entry);
            if (entry.kind() == EntryKind.COMMAND) {
                applyCommand(entry, write, () -> stateMachine.apply(entry.index(), codec.decode(entry.payload())));
            } else if (entry.kind() == EntryKind.SESSION) {
                applySession(entry, write);
            } else if (entry.kind() == EntryKind.MEMBERSHIP) {
                membership = MembershipCodec.decode(entry.payload(), entry.index());
            }
            applied = entry.index();
            appliedTerm = entry.term();
        }
        runReadyReads();
        if (snapshotThreshold > 0 && applied - lastSnapshotIndex >= snapshotThreshold) {
            takeSnapshot();
        }
    }

    /** Replaces the state machine's state with an installed snapshot (after the driver committed it). */
    void restore(SnapshotMeta meta) {
        queue.execute(guarded(() -> {
            if (meta.index() <= applied) {
                return;
            }
            InputStream in;
            try {
                in = store.openSnapshot(meta); // verified whole before the state machine sees a byte
            } catch (IOException e) {
                listener.failed(DamagedSnapshot.unreadable(meta, e));
                return;
            }
            try (in) {
                stateMachine.restoreSnapshot(SnapshotFormat.readEngineState(in, sessions));
            } catch (IOException | RuntimeException e) {
                listener.failed(new IOException("restoring snapshot " + meta.index() + " into the state machine failed: "
                        + e.getMessage(), e));
                return;
            }
            applied = meta.index();
            appliedTerm = meta.term();
            membership = meta.membership();
            logClock.observe(sessions.now());
            lastSnapshotIndex = meta.index();
            lastSnapshot = meta;
            // These writes' entries had committed (only committed entries come with writes), so the
            // snapshot, which covers them, holds their effect: they did take effect.
            writes.forEach(w -> w.fail(new NotLeaderException("[" + nodeId + "] a snapshot replaced the entries of "
                    + "this write before they applied here; they had committed", null, null, true)));
            writes.clear();
            runReadyReads();
        }));
    }

    /**
     * Takes a snapshot as soon as the apply thread is free, completing {@code future} with it; if
     * one is committing, the next one, so it holds everything applied before this call.
     */
    void snapshotNow(CompletableFuture<SnapshotInfo> future) {
        queue.execute(guarded(() -> {
            if (committing != null) {
                requestsAfterCommit.add(future);
                return;
            }
            snapshotRequests.add(future);
            takeSnapshot();
        }));
    }

    /**
     * Writes a snapshot of what is applied, on the apply thread, and hands it to the commit queue
     * to be made durable; one at a time.
     */
    private void takeSnapshot() {
        if (committing != null) {
            return;
        }
        if (applied == lastSnapshotIndex && lastSnapshot != null) {
            completeSnapshotRequests(lastSnapshot);
            return;
        }
        if (applied == 0) {
            failSnapshotRequests(new IllegalStateException("[" + nodeId + "] nothing has been applied yet, so there is "
                    + "nothing to snapshot; retry once a write has applied"));
            return;
        }
        long index = applied;
        long start = metrics.clock();
        SnapshotWriter writer;
        try {
            writer = store.beginSnapshot(applied, appliedTerm, membership);
        } catch (IOException | RuntimeException e) {
            abandoned(index, e);
            return;
        }
        try {
            SnapshotFormat.writeEngineState(writer.output(), sessions);
            stateMachine.writeSnapshot(writer.output());
        } catch (IOException | RuntimeException e) {
            SnapshotCommit.abandon(writer, nodeId);
            abandoned(index, e);
            return;
        }
        committing = new SnapshotCommit(nodeId, writer, index, store, snapshotCommitLock);
        SnapshotCommit commit = committing;
        commitQueue.execute(() -> {
            commit.run();
            queue.execute(guarded(() -> committed(commit, start)));
        });
    }

    /**
     * Acts on the outcome of {@code commit}, back on the apply thread. A snapshot from the leader
     * may have been restored since it was written, so the last snapshot only moves forward.
     */
    private void committed(SnapshotCommit commit, long start) {
        committing = null;
        if (commit.failure() != null) {
            abandoned(commit.index(), commit.failure());
        } else if (commit.newer() != null) {
            LOG.info("[{}] snapshot at index {} abandoned: snapshot {} was installed meanwhile", nodeId, commit.index(),
                    commit.newer().index());
            lastSnapshotIndex = Math.max(lastSnapshotIndex, commit.index());
            completeSnapshotRequests(commit.newer());
        } else {
            SnapshotMeta meta = commit.committed();
            if (meta.index() >= lastSnapshotIndex) {
                lastSnapshotIndex = meta.index();
                lastSnapshot = meta;
            }
            metrics.snapshotTaken(meta.sizeBytes(), start);
            LOG.info("[{}] snapshot at index {} term {}: {} bytes", nodeId, meta.index(), meta.term(),
                    meta.sizeBytes());
            listener.snapshotTaken(meta);
            completeSnapshotRequests(meta);
        }
        if (!requestsAfterCommit.isEmpty()) {
            snapshotRequests.addAll(requestsAfterCommit);
            requestsAfterCommit.clear();
            takeSnapshot();
        }
    }

    /** A snapshot at {@code index} failed: nothing changed; the next is tried a threshold's worth of entries later. */
    private void abandoned(long index, Exception e) {
        LOG.warn("[{}] snapshot at index {} failed and was abandoned; nothing is lost", nodeId, index, e);
        failSnapshotRequests(new IllegalStateException("[" + nodeId + "] the snapshot at index " + index
                + " failed and was abandoned (" + e + "); nothing changed, retry later", e));
        lastSnapshotIndex = Math.max(lastSnapshotIndex, index); // retry after another threshold's worth of entries
    }

    private void completeSnapshotRequests(SnapshotMeta meta) {
        SnapshotInfo info = new SnapshotInfo(meta.index(), meta.term(), meta.sizeBytes());
        snapshotRequests.forEach(f -> f.complete(info));
        snapshotRequests.clear();
    }

    private void failSnapshotRequests(IllegalStateException error) {
        snapshotRequests.forEach(f -> f.completeExceptionally(error));
        snapshotRequests.clear();
    }

    /**
     * Returns the local write that proposed {@code entry}, or null. A write whose index now holds an
     * entry of another term lost its entries to a new leader and fails.
     */
    private PendingWrite<R> writeAt(LogEntry entry) {
        PendingWrite<R> write = writes.peekFirst();
        while (write != null && write.lastIndex() < entry.index()) {
            writes.pollFirst();
            write = writes.peekFirst();
        }
        if (write == null || write.firstIndex > entry.index()) {
            return null;
        }
        if (write.term != entry.term()) {
            // Another entry committed at the write's index: the write's own entry never will.
            write.fail(new NotLeaderException("[" + nodeId + "] leadership changed before the write committed; "
                    + "another entry committed at index " + entry.index() + ", so it was not applied", null, null,
                    false));
            writes.pollFirst();
            return null;
        }
        return write;
    }

    /**
     * Applies a session operation: the session table advances to the entry's time first, so
     * every replica expires the same sessions at this entry; a write reaches the state machine
     * only if the table has no response for it.
     */
    private void applySession(LogEntry entry, PendingWrite<R> write) {
        SessionEntry op = SessionEntry.decode(entry.payload(), entry.index());
        sessions.advance(op.stamp());
        logClock.observe(sessions.now());
        Object answer = null;
        switch (op.op()) {
            case WRITE -> {
                applyCommand(entry, write, () -> sessions.applyOnce(op.session(), op.sequence(),
                        () -> stateMachine.apply(entry.index(), codec.decode(op.command()))));
                return;
            }
            case OPEN -> {
                sessions.open(entry.index());
                answer = new SessionId(entry.index());
            }
            case CLOSE -> sessions.close(op.session());
        }
        applied = entry.index();
        if (write != null) {
            write.answered(answer);
        }
    }

    /** Applies one command through {@code apply} and answers its writer, also when it throws. */
    private void applyCommand(LogEntry entry, PendingWrite<R> write, Supplier<R> apply) {
        R response;
        try {
            response = apply.get();
        } catch (RuntimeException e) {
            if (!(e instanceof SessionExpiredException)) { // the session's answer, not a failure of apply
                LOG.warn("[{}] apply of index {} threw; the writer gets the exception", nodeId, entry.index(), e);
            }
            applied = entry.index();
            if (write != null) {
                write.fail(e);
            }
            return;
        }
        // Published before the writer hears back: status() read after a completed write shows the
        // entry applied, and so committed.
        applied = entry.index();
        if (write != null) {
            write.applied(entry.index(), response);
        }
    }

    /** Runs each read once its index is applied: confirmed linearizable reads, handed over together. */
    void read(List<WaitingRead> reads) {
        queue.execute(guarded(() -> runWhenApplied(reads)));
    }

    /**
     * Runs a read once its index is applied, handed over from any thread: reads handed over
     * together, before the apply thread takes them, cost it one task.
     */
    void submitRead(WaitingRead read) {
        submittedReads.add(read);
    }

    /** Runs the reads whose index is applied now; the others wait for their index. */
    private void runWhenApplied(List<WaitingRead> reads) {
        for (WaitingRead read : reads) {
            if (read.index <= applied) {
                run(read);
            } else {
                waiting.add(read);
            }
        }
    }

    /** Runs {@code query} as soon as replay reached the commit index known at start. */
    @SuppressWarnings("unchecked")
    <T> void readLocal(Supplier<? extends T> query, CompletableFuture<T> future) {
        read(List.of(new WaitingRead(replayTarget, query, (CompletableFuture<Object>) future)));
    }

    private void runReadyReads() {
        while (!waiting.isEmpty() && waiting.peek().index <= applied) {
            run(waiting.poll());
        }
    }

    private static void run(WaitingRead read) {
        try {
            read.future.complete(read.query.get());
        } catch (RuntimeException | Error e) {
            read.future.completeExceptionally(e); // a query only reads: its failure is the caller's
        }
    }
}
