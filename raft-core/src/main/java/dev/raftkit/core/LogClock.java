package dev.raftkit.core;

import java.util.function.LongSupplier;

/**
 * The time a leader stamps in session entries, which expires sessions on every replica alike.
 *
 * <p>Log time is elapsed time as leaders measure it with their monotonic clocks, not wall-clock
 * time: a node's monotonic clocks have no common origin, so each node continues from the highest
 * log time it has seen (stamped by itself, or applied from another leader's entries) plus the time
 * its own clock says passed since. Stamps therefore never go back on a node, and a new leader
 * continues from the last stamped time it applied; the session table takes the highest stamp so
 * far as its time, so an entry stamped lower than an earlier one never moves expiry back.
 *
 * <p>Thread-safe: stamped on callers' threads, observed on the apply thread.
 */
final class LogClock {

    private final LongSupplier nanoTime;
    /** The log time at {@link #baseNanos} on this node's clock. */
    private long base;
    private long baseNanos;

    /** @param nanoTime the runtime's monotonic clock */
    LogClock(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.baseNanos = nanoTime.getAsLong();
    }

    /** {@return the log time to stamp in an entry appended now} */
    synchronized long stamp() {
        return base + (nanoTime.getAsLong() - baseNanos);
    }

    /** Learns of a log time applied here: later stamps are at least that. */
    synchronized void observe(long logTime) {
        long now = nanoTime.getAsLong();
        if (logTime > base + (now - baseNanos)) {
            base = logTime;
            baseNanos = now;
        }
    }
}
