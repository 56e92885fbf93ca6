package dev.raftkit.bench.cluster;

import dev.raftkit.GroupId;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writes to groups of {@link BenchHosts} as a client does: through whichever member leads on a
 * running host, and when none leads or the write fails (the leader changed, or its host closed),
 * it looks again a little later, until the write succeeds or its patience runs out.
 */
final class LeaderWrites {

    /** How long a write waits before looking for its group's leader again. */
    private static final Duration RETRY_DELAY = Duration.ofMillis(5);
    /** Runs a retry after {@link #RETRY_DELAY}, on the JDK's delay thread: a retry only looks and sends. */
    private static final Executor RETRY = CompletableFuture.delayedExecutor(RETRY_DELAY.toNanos(),
            TimeUnit.NANOSECONDS, Runnable::run);

    private final BenchHosts hosts;
    private final LongAdder retries = new LongAdder();

    LeaderWrites(BenchHosts hosts) {
        this.hosts = hosts;
    }

    /** {@return how many times a write of this writer looked for a leader again} */
    long retries() {
        return retries.sum();
    }

    /**
     * Writes 1 to {@code group}'s counter.
     *
     * @param patience how long to keep trying
     * @return the counter's new total; fails with the last error once {@code patience} has passed
     */
    CompletableFuture<Long> write(GroupId group, Duration patience) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        attempt(group, System.nanoTime() + patience.toNanos(), patience, result);
        return result;
    }

    private void attempt(GroupId group, long deadline, Duration patience, CompletableFuture<Long> result) {
        Optional<Node<Long, Long>> leader = hosts.leader(group);
        if (leader.isEmpty()) {
            retry(group, deadline, patience, result, new NoLeaderException("group " + group
                    + " had no leader on a running host for " + patience.toMillis() + " ms"));
            return;
        }
        leader.get().write(1L).whenComplete((total, error) -> {
            if (error == null) {
                result.complete(total);
            } else {
                retry(group, deadline, patience, result, error);
            }
        });
    }

    private void retry(GroupId group, long deadline, Duration patience, CompletableFuture<Long> result,
            Throwable error) {
        if (System.nanoTime() - deadline > 0) {
            result.completeExceptionally(error);
            return;
        }
        retries.increment();
        RETRY.execute(() -> attempt(group, deadline, patience, result));
    }

    /**
     * Gets one write accepted by each of {@code groups}, all at once.
     *
     * @return when each group's write succeeded, in {@link System#nanoTime()}
     * @throws TimeoutException naming how many groups, and which first, accepted no write within
     *     {@code timeout}
     */
    Map<GroupId, Long> acceptedAt(Collection<GroupId> groups, Duration timeout)
            throws InterruptedException, TimeoutException {
        Map<GroupId, Long> accepted = new ConcurrentHashMap<>();
        CompletableFuture<?>[] writes = groups.stream()
                .map(g -> write(g, timeout).thenRun(() -> accepted.put(g, System.nanoTime())))
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(writes).get(timeout.toMillis() + RETRY_DELAY.toMillis() + 1000,
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            List<GroupId> missing = groups.stream().filter(g -> !accepted.containsKey(g)).toList();
            TimeoutException timedOut = new TimeoutException(missing.size() + " of " + groups.size()
                    + " groups accepted no write within " + timeout.toSeconds() + " s, e.g. "
                    + missing.subList(0, Math.min(5, missing.size())));
            timedOut.initCause(e.getCause() == null ? e : e.getCause());
            throw timedOut;
        }
        return Map.copyOf(accepted);
    }
}
