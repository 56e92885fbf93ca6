package dev.raftkit.core;

import dev.raftkit.Codec;
import dev.raftkit.NotLeaderException;
import dev.raftkit.StateMachine;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.TaskQueue;
import java.util.ArrayDeque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
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

    private record WaitingRead(long index, Supplier<?> query, CompletableFuture<Object> future) {
    }

    private final String nodeId;
    private final StateMachine<C, R> stateMachine;
    private final Codec<C> codec;
    private final TaskQueue queue;
    private final LongConsumer appliedListener;
    private final Consumer<Throwable> onDeath;
    private final PriorityQueue<WaitingRead> waiting =
            new PriorityQueue<>((a, b) -> Long.compare(a.index, b.index));
    private final long replayTarget;
    /** Writes whose entries are being applied, in index order; apply thread only. */
    private final ArrayDeque<PendingWrite<R>> writes = new ArrayDeque<>();
    private volatile long applied;
    /** Apply thread only: set once this thread died; no apply or query runs afterwards. */
    private boolean dead;

    /**
     * @param replayTarget the commit index known at start: local reads wait until it is applied
     * @param appliedListener told (on the apply thread) the new applied index after each batch
     * @param onDeath told (on the apply thread) what killed it when an apply or a query throws an
     *     Error: the node must stop, as entries after the failed one will never be applied here
     */
    Applier(String nodeId, StateMachine<C, R> stateMachine, Codec<C> codec, TaskQueue queue, long appliedIndex,
            long replayTarget, LongConsumer appliedListener, Consumer<Throwable> onDeath) {
        this.nodeId = nodeId;
        this.stateMachine = stateMachine;
        this.codec = codec;
        this.queue = queue;
        this.applied = appliedIndex;
        this.replayTarget = replayTarget;
        this.appliedListener = appliedListener;
        this.onDeath = onDeath;
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
     * not catch) goes to {@code onDeath} instead of vanishing in the queue's executor, which would
     * leave writers waiting for ever and silently skip the rest of the entries.
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
                onDeath.accept(t);
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
                applyCommand(entry, write);
            }
            applied = entry.index();
        }
        appliedListener.accept(applied);
        runReadyReads();
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
            write.fail(new NotLeaderException("leadership changed before the write committed; it was not applied",
                    null, null));
            writes.pollFirst();
            return null;
        }
        return write;
    }

    private void applyCommand(LogEntry entry, PendingWrite<R> write) {
        R response;
        try {
            response = stateMachine.apply(entry.index(), codec.decode(entry.payload()));
        } catch (RuntimeException e) {
            LOG.warn("[{}] apply of index {} threw; the writer gets the exception", nodeId, entry.index(), e);
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

    /** Runs {@code query} once {@code index} is applied (a confirmed linearizable read). */
    @SuppressWarnings("unchecked")
    <T> void read(long index, Supplier<? extends T> query, CompletableFuture<T> future) {
        queue.execute(guarded(() -> {
            waiting.add(new WaitingRead(index, query, (CompletableFuture<Object>) future));
            runReadyReads();
        }));
    }

    /** Runs {@code query} as soon as replay reached the commit index known at start. */
    <T> void readLocal(Supplier<? extends T> query, CompletableFuture<T> future) {
        read(replayTarget, query, future);
    }

    private void runReadyReads() {
        while (!waiting.isEmpty() && waiting.peek().index <= applied) {
            WaitingRead read = waiting.poll();
            try {
                read.future.complete(read.query.get());
            } catch (RuntimeException e) {
                read.future.completeExceptionally(e);
            }
        }
    }
}
