package dev.raftkit.core;

import dev.raftkit.NodeId;
import dev.raftkit.RaftException;
import dev.raftkit.ShutdownException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The callers of {@code awaitLeader()} waiting for this node to learn of a leader: completed when
 * the {@link Notifier} tells of one, failed with {@link ShutdownException} when the node stops (a
 * failed node too: the caller's action is the same, stop calling it). A waiter is dropped as soon
 * as its future completes, however that happens (a caller's {@code orTimeout} included), so callers
 * that give up leave nothing behind.
 *
 * <p>Any thread.
 */
final class LeaderWaits {

    private final String nodeId;
    private final Set<CompletableFuture<NodeId>> waiting = ConcurrentHashMap.newKeySet();
    /** Set once the node stopped; later waits fail with it at once. */
    private volatile ShutdownException stopped;

    LeaderWaits(String nodeId) {
        this.nodeId = nodeId;
    }

    /**
     * Waits for a leader.
     *
     * @param known the leader this node knows now, read after the waiter is registered so that a
     *     leader published meanwhile is not missed
     * @return completes with the leader, at once if one is known
     */
    CompletableFuture<NodeId> await(Supplier<Optional<NodeId>> known) {
        CompletableFuture<NodeId> future = new CompletableFuture<>();
        waiting.add(future);
        future.whenComplete((leader, e) -> waiting.remove(future));
        ShutdownException failure = stopped;
        if (failure != null) {
            future.completeExceptionally(failure);
        } else {
            known.get().ifPresent(future::complete);
        }
        return future;
    }

    /** The node now knows {@code leader} (or none): every waiter completes with a known one. */
    void leaderChanged(Optional<NodeId> leader) {
        leader.ifPresent(l -> waiting.forEach(f -> f.complete(l)));
    }

    /** The node stopped because of {@code why}: every waiter, and every later one, fails. */
    void stop(RaftException why) {
        stopped = new ShutdownException(why instanceof ShutdownException ? why.getMessage()
                : "[" + nodeId + "] the node stopped: " + why.getMessage(), false);
        waiting.forEach(f -> f.completeExceptionally(stopped));
    }

    /** {@return how many callers wait now}, for tests */
    int waiting() {
        return waiting.size();
    }
}
