package dev.raftkit.core;

import dev.raftkit.RaftException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every future a node has handed out and not yet completed, plus the node's terminal failure: once
 * the node stops (shutdown, fatal fault, dead driver), every outstanding and later future fails
 * with the same {@link RaftException}. Also counts in-flight writes for {@code maxInflightWrites}.
 */
final class Outstanding {

    private final Set<CompletableFuture<?>> futures = ConcurrentHashMap.newKeySet();
    private final AtomicReference<RaftException> terminal = new AtomicReference<>();
    private final AtomicInteger inflightWrites = new AtomicInteger();

    /** Returns the failure that stopped the node, or null while it runs. */
    RaftException terminal() {
        return terminal.get();
    }

    /**
     * Tracks {@code future} until it completes.
     *
     * @param writes how many in-flight writes it holds (0 for reads and other calls)
     * @return the same future; already failed if the node has stopped
     */
    <T> CompletableFuture<T> track(CompletableFuture<T> future, int writes) {
        futures.add(future);
        future.whenComplete((r, e) -> {
            futures.remove(future);
            if (writes > 0) {
                inflightWrites.addAndGet(-writes);
            }
        });
        RaftException failure = terminal.get();
        if (failure != null) {
            future.completeExceptionally(failure);
        }
        return future;
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

    /** Returns the number of in-flight writes. */
    int inflightWrites() {
        return inflightWrites.get();
    }

    /**
     * Stops the node with {@code failure} (the first call wins) and fails everything outstanding.
     *
     * @return whether this call stopped the node
     */
    boolean stop(RaftException failure) {
        boolean first = terminal.compareAndSet(null, failure);
        RaftException winner = terminal.get();
        for (CompletableFuture<?> f : futures) {
            f.completeExceptionally(winner);
        }
        return first;
    }
}
