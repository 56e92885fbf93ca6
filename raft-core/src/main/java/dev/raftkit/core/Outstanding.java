package dev.raftkit.core;

import dev.raftkit.DriverDeadException;
import dev.raftkit.FatalException;
import dev.raftkit.RaftException;
import dev.raftkit.ShutdownException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every future a node has handed out and not yet completed, plus the node's terminal failure: once
 * the node stops (shutdown, fatal fault, dead driver), every outstanding and later future fails
 * with that failure's kind. Whether each failure {@linkplain RaftException#mayHaveCommitted() may
 * have committed} depends on the call: a write the driver had taken up for proposing may have, one
 * it had not taken up (or a call made after the stop) was refused. Also counts in-flight writes for
 * {@code maxInflightWrites}, and fails the {@link LeaderWaits} when the node stops.
 *
 * <p>Tracking costs little per call ({@link PendingCalls}): nothing happens when a future
 * completes, and a write frees its room when the engine finishes it ({@link PendingWrite}), not
 * through a callback on its future.
 */
final class Outstanding {

    private final PendingCalls<CompletableFuture<?>> futures = new PendingCalls<>(CompletableFuture::isDone);
    private final PendingCalls<PendingWrite<?>> writes = new PendingCalls<>(PendingWrite::finished);
    private final AtomicReference<RaftException> terminal = new AtomicReference<>();
    private final AtomicInteger inflightWrites = new AtomicInteger();
    private final LeaderWaits leaderWaits;

    Outstanding(LeaderWaits leaderWaits) {
        this.leaderWaits = leaderWaits;
    }

    /** Returns the failure that stopped the node, or null while it runs. */
    RaftException terminal() {
        return terminal.get();
    }

    /**
     * Returns the failure for a call made after the node stopped: the terminal failure's kind, with
     * {@code mayHaveCommitted() == false}, or null while the node runs.
     */
    RaftException refusal() {
        RaftException failure = terminal.get();
        return failure == null ? null : withOutcome(failure, false);
    }

    /**
     * Tracks a future other than a write's until it completes.
     *
     * @return the same future; already failed (as refused) if the node has stopped
     */
    <T> CompletableFuture<T> track(CompletableFuture<T> future) {
        futures.add(future);
        RaftException failure = refusal();
        if (failure != null) {
            future.completeExceptionally(failure);
        }
        return future;
    }

    /**
     * Tracks a write, whose room was {@linkplain #tryReserve reserved}, until it
     * {@linkplain PendingWrite#finished() finishes} (which {@linkplain #release frees} the room).
     *
     * @return the same write; already failed (as refused) if the node has stopped
     */
    <W extends PendingWrite<?>> W trackWrite(W write) {
        writes.add(write);
        RaftException failure = terminal.get();
        if (failure != null) {
            write.stopped(failure);
        }
        return write;
    }

    /**
     * Reserves room for {@code writes} in-flight writes.
     *
     * @return false if that would exceed {@code max}
     */
    boolean tryReserve(int writes, int max) {
        while (true) {
            int current = inflightWrites.get();
            if (current + writes > max) {
                return false;
            }
            if (inflightWrites.compareAndSet(current, current + writes)) {
                return true;
            }
        }
    }

    /** Frees the room of {@code writes} in-flight writes: a tracked write finished. */
    void release(int writes) {
        inflightWrites.addAndGet(-writes);
    }

    /** Returns the number of in-flight writes. */
    int inflightWrites() {
        return inflightWrites.get();
    }

    /**
     * Stops the node with {@code failure} (the first call wins) and fails everything outstanding:
     * writes as {@link PendingWrite#stopped} decides, other calls with the failure itself (pending,
     * so they may have taken effect), waits for a leader with {@link ShutdownException}.
     *
     * @return whether this call stopped the node
     */
    boolean stop(RaftException failure) {
        boolean first = terminal.compareAndSet(null, failure);
        RaftException winner = terminal.get();
        leaderWaits.stop(winner);
        for (PendingWrite<?> write : writes.unfinished()) {
            write.stopped(winner);
        }
        for (CompletableFuture<?> f : futures.unfinished()) {
            f.completeExceptionally(winner);
        }
        return first;
    }

    /**
     * {@return {@code failure} (a node's terminal failure) as the failure of one call: the same kind,
     * message and cause, with the given outcome}
     *
     * @param mayHaveCommitted false when the call was refused, true when it was pending
     */
    static RaftException withOutcome(RaftException failure, boolean mayHaveCommitted) {
        if (failure.mayHaveCommitted() == mayHaveCommitted) {
            return failure;
        }
        if (failure instanceof ShutdownException) {
            return new ShutdownException(failure.getMessage(), mayHaveCommitted);
        }
        if (failure instanceof DriverDeadException) {
            return new DriverDeadException(failure.getMessage(), failure.getCause(), mayHaveCommitted);
        }
        if (failure instanceof FatalException) {
            return new FatalException(failure.getMessage(), failure.getCause(), mayHaveCommitted);
        }
        throw new IllegalArgumentException("not a failure that stops a node: " + failure);
    }
}
