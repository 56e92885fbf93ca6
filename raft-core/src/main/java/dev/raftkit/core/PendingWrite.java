package dev.raftkit.core;

import dev.raftkit.RaftException;
import dev.raftkit.spi.EntryKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A write accepted by the leader and waiting for its entries to apply: one command
 * ({@code write}) or a contiguous run ({@code writeBatch}).
 *
 * <p>Created on the caller's thread; the driver thread sets {@link #firstIndex} and {@link #term}
 * when the leader appends it ({@link ClientWrites}); once handed to the applier, only the apply
 * thread touches it. Whether it failed before or after the driver took it up for proposing, the
 * one thing that decides its outcome when the node stops on another thread, is settled once,
 * atomically, by whichever of the two comes first ({@link #claimForProposal}, {@link #stopped}).
 *
 * @param <R> the response type
 */
final class PendingWrite<R> {

    private final CompletableFuture<R> single;
    private final CompletableFuture<List<R>> batch;
    private final List<R> results;
    private final int count;
    /** Set by the first of: the driver taking it up for proposing, the node stopping. */
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final EntryKind kind;
    long firstIndex;
    long term;

    private PendingWrite(CompletableFuture<R> single, CompletableFuture<List<R>> batch, int count, EntryKind kind) {
        this.kind = kind;
        this.single = single;
        this.batch = batch;
        this.count = count;
        this.results = batch == null ? null : new ArrayList<>(count);
    }

    static <R> PendingWrite<R> single(CompletableFuture<R> future) {
        return new PendingWrite<>(future, null, 1, EntryKind.COMMAND);
    }

    /**
     * A session operation: one {@link EntryKind#SESSION} entry, whose future completes with what
     * the operation answers ({@link #answered}).
     */
    @SuppressWarnings("unchecked")
    static <R> PendingWrite<R> session(CompletableFuture<?> future) {
        return new PendingWrite<>((CompletableFuture<R>) future, null, 1, EntryKind.SESSION);
    }

    static <R> PendingWrite<R> batch(CompletableFuture<List<R>> future, int count) {
        return new PendingWrite<>(null, future, count, EntryKind.COMMAND);
    }

    /** Returns how many commands it holds, each one entry. */
    int count() {
        return count;
    }

    /** Returns the kind of its entries. */
    EntryKind kind() {
        return kind;
    }

    long lastIndex() {
        return firstIndex + count - 1;
    }

    CompletableFuture<?> future() {
        return single != null ? single : batch;
    }

    /** Records the response of the entry at {@code index}; completes after the last one. */
    void applied(long index, R response) {
        if (single != null) {
            single.complete(response);
        } else {
            results.add(response);
            if (index == lastIndex()) {
                batch.complete(Collections.unmodifiableList(results));
            }
        }
    }

    /**
     * The driver is about to propose the write; driver thread.
     *
     * @return false if the node stopped first and failed it as refused: it must not be proposed
     */
    boolean claimForProposal() {
        return claimed.compareAndSet(false, true);
    }

    /**
     * The node stopped with {@code failure}: fails the write with that kind of failure, which
     * {@linkplain RaftException#mayHaveCommitted() may have committed} only if the driver had taken
     * the write up for proposing (after this, it never will). Any thread.
     */
    void stopped(RaftException failure) {
        boolean refused = claimed.compareAndSet(false, true);
        fail(Outstanding.withOutcome(failure, !refused));
    }

    /**
     * Completes a session operation with its answer, of the type its caller's future expects: the
     * {@code SessionId} of an open, the response of a write, null for a close.
     */
    @SuppressWarnings("unchecked")
    void answered(Object answer) {
        ((CompletableFuture<Object>) future()).complete(answer);
    }

    /** Fails the whole write. */
    void fail(Throwable error) {
        future().completeExceptionally(error);
    }
}
