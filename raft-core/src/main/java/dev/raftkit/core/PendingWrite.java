package dev.raftkit.core;

import dev.raftkit.RaftException;
import dev.raftkit.spi.EntryKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

/**
 * A write accepted by the leader and waiting for its entries to apply: one command
 * ({@code write}) or a contiguous run ({@code writeBatch}).
 *
 * <p>Created on the caller's thread; the driver thread sets {@link #firstIndex} and {@link #term}
 * when the leader appends it ({@link ClientWrites}); once handed to the applier, only the apply
 * thread touches it. Whether it failed before or after the driver took it up for proposing, the
 * one thing that decides its outcome when the node stops on another thread, is settled once,
 * atomically, by whichever of the two comes first ({@link #claimForProposal}, {@link #stopped}).
 * It {@linkplain #finished() finishes} once, when the engine answers it (or its stop fails it),
 * which frees its room in {@link Outstanding}, whoever else completed its future.
 *
 * @param <R> the response type
 */
final class PendingWrite<R> {

    private final CompletableFuture<R> single;
    private final CompletableFuture<List<R>> batch;
    private final List<R> results;
    private final int count;
    /** Bit of {@link #state} set by the first of: the driver taking it up for proposing, the node stopping. */
    private static final int CLAIMED = 1;
    /** Bit of {@link #state} set once the write is answered or failed, which releases its room. */
    private static final int FINISHED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PendingWrite.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #CLAIMED} and {@link #FINISHED}, each set once, by {@link #STATE}. */
    @SuppressWarnings("unused")
    private volatile int state;
    private final EntryKind kind;
    private final Outstanding owner;
    long firstIndex;
    long term;

    private PendingWrite(CompletableFuture<R> single, CompletableFuture<List<R>> batch, int count, EntryKind kind,
            Outstanding owner) {
        this.kind = kind;
        this.owner = owner;
        this.single = single;
        this.batch = batch;
        this.count = count;
        this.results = batch == null ? null : new ArrayList<>(count);
    }

    /** A write of one command, whose room in {@code owner} is freed when it finishes. */
    static <R> PendingWrite<R> single(CompletableFuture<R> future, Outstanding owner) {
        return new PendingWrite<>(future, null, 1, EntryKind.COMMAND, owner);
    }

    /**
     * A session operation: one {@link EntryKind#SESSION} entry, whose future completes with what
     * the operation answers ({@link #answered}).
     */
    @SuppressWarnings("unchecked")
    static <R> PendingWrite<R> session(CompletableFuture<?> future, Outstanding owner) {
        return new PendingWrite<>((CompletableFuture<R>) future, null, 1, EntryKind.SESSION, owner);
    }

    /** A {@code writeBatch} of {@code count} commands, whose room in {@code owner} is freed when it finishes. */
    static <R> PendingWrite<R> batch(CompletableFuture<List<R>> future, int count, Outstanding owner) {
        return new PendingWrite<>(null, future, count, EntryKind.COMMAND, owner);
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
            if (finish()) {
                single.complete(response);
            }
        } else {
            results.add(response);
            if (index == lastIndex() && finish()) {
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
        return ((int) STATE.getAndBitwiseOr(this, CLAIMED) & CLAIMED) == 0;
    }

    /**
     * The node stopped with {@code failure}: fails the write with that kind of failure, which
     * {@linkplain RaftException#mayHaveCommitted() may have committed} only if the driver had taken
     * the write up for proposing (after this, it never will). Any thread.
     */
    void stopped(RaftException failure) {
        boolean refused = ((int) STATE.getAndBitwiseOr(this, CLAIMED) & CLAIMED) == 0;
        fail(Outstanding.withOutcome(failure, !refused));
    }

    /**
     * Completes a session operation with its answer, of the type its caller's future expects: the
     * {@code SessionId} of an open, the response of a write, null for a close.
     */
    @SuppressWarnings("unchecked")
    void answered(Object answer) {
        if (finish()) {
            ((CompletableFuture<Object>) future()).complete(answer);
        }
    }

    /** Fails the whole write, unless it finished. */
    void fail(Throwable error) {
        if (finish()) {
            future().completeExceptionally(error);
        }
    }

    /** {@return whether the write was answered or failed, so its room is free; any thread} */
    boolean finished() {
        return (state & FINISHED) != 0;
    }

    /**
     * Marks the write finished and frees its room, before its future completes: a caller that
     * hears back finds the room free.
     *
     * @return false if it had finished already: it must not complete its future again
     */
    private boolean finish() {
        if (((int) STATE.getAndBitwiseOr(this, FINISHED) & FINISHED) != 0) {
            return false;
        }
        owner.release(count);
        return true;
    }
}
