package dev.raftkit.bench.cluster;

import dev.raftkit.GroupId;
import dev.raftkit.Node;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Gets one write accepted by each of some groups, as a client does after a failure: it writes
 * through whichever member leads on a running host, and when none leads or the write fails, it
 * looks again a little later. All groups at once; one thread schedules the retries.
 */
final class AcceptedWrites {

    /** How long a group waits before looking for its leader again. */
    private static final Duration RETRY_DELAY = Duration.ofMillis(5);

    private final BenchHosts hosts;
    private final Map<GroupId, Long> acceptedNanos = new ConcurrentHashMap<>();
    private final CountDownLatch pending;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "accepted-writes");
        t.setDaemon(true);
        return t;
    });

    private AcceptedWrites(BenchHosts hosts, int groups) {
        this.hosts = hosts;
        this.pending = new CountDownLatch(groups);
    }

    /**
     * Writes once to each of {@code groups} until every write succeeded.
     *
     * @return when each group's write succeeded, in {@link System#nanoTime()}
     * @throws TimeoutException naming how many groups, and which first, accepted no write within
     *     {@code timeout}
     */
    static Map<GroupId, Long> await(BenchHosts hosts, Collection<GroupId> groups, Duration timeout)
            throws InterruptedException, TimeoutException {
        AcceptedWrites writes = new AcceptedWrites(hosts, groups.size());
        try {
            groups.forEach(writes::attempt);
            if (!writes.pending.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                List<GroupId> missing = groups.stream().filter(g -> !writes.acceptedNanos.containsKey(g)).toList();
                throw new TimeoutException(missing.size() + " of " + groups.size() + " groups accepted no write within "
                        + timeout.toSeconds() + " s, e.g. " + missing.subList(0, Math.min(5, missing.size())));
            }
            return Map.copyOf(writes.acceptedNanos);
        } finally {
            writes.retries.shutdownNow();
        }
    }

    private void attempt(GroupId group) {
        Optional<Node<Long, Long>> leader = hosts.leader(group);
        if (leader.isEmpty()) {
            retryLater(group);
            return;
        }
        leader.get().write(1L).whenComplete((total, error) -> {
            if (error != null) {
                retryLater(group);
            } else if (acceptedNanos.putIfAbsent(group, System.nanoTime()) == null) {
                pending.countDown();
            }
        });
    }

    private void retryLater(GroupId group) {
        try {
            retries.schedule(() -> attempt(group), RETRY_DELAY.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the wait is over (done or timed out): this group is not retried
        }
    }
}
