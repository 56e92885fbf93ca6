package dev.raftkit.grpc;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Jittered exponential backoff: after the n-th consecutive failure the wait is drawn uniformly from
 * {@code [c/2, c]} where {@code c = min(max, initial * 2^(n-1))}, so peers that lost a node at the
 * same moment do not reconnect in lockstep. Not thread-safe: its owner serializes calls.
 */
final class Backoff {

    private final long initialNanos;
    private final long maxNanos;
    private final RandomGenerator random;
    private int failures;

    /** Creates a backoff starting at {@code initial} and capped at {@code max}. */
    Backoff(Duration initial, Duration max, RandomGenerator random) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.random = random;
    }

    /** Records a failure and returns how long to wait before the next attempt, in nanoseconds. */
    long nextDelayNanos() {
        long ceiling = initialNanos << Math.min(failures, 30);
        if (ceiling <= 0 || ceiling > maxNanos) {
            ceiling = maxNanos;
        }
        failures++;
        long half = ceiling / 2;
        return half + random.nextLong(ceiling - half + 1);
    }

    /** Forgets past failures after a success. */
    void reset() {
        failures = 0;
    }
}
