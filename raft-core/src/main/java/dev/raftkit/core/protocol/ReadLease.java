package dev.raftkit.core.protocol;

import java.util.ArrayDeque;

/**
 * The leader's read lease (dissertation §6.4.1): how long, on the leader's own monotonic clock, no
 * other leader can exist, so a read may run without a heartbeat round.
 *
 * <p>Every heartbeat round is stamped with the time its heartbeats were handed to the driver (a
 * time no later than any follower heard them). A follower that heard this leader refuses to vote,
 * and does not campaign, for at least {@code electionTimeoutMin} ticks of its own clock, less one
 * tick for the granularity of its timer. Once a quorum acknowledged a round, the lease therefore
 * runs for {@code duration} from that round's stamp, where the duration is that window scaled by the
 * lease ratio: the margin for clocks that run at different rates.
 *
 * <p>The lease ends at once, for good as far as earlier rounds go, when the leader starts handing
 * leadership over: the target campaigns without waiting for any timeout.
 */
final class ReadLease {

    /** Rounds stamped and not yet acknowledged by a quorum: rounds up to {@code round} left at {@code nanos}. */
    private record Stamp(long round, long nanos) {
    }

    /** Bounds the stamps kept while no quorum answers; the oldest are forgotten first (the lease only shortens). */
    static final int MAX_STAMPS = 1024;

    private final long durationNanos;
    /** The test-only mutation switch {@link CoreOptions#unsafeLeaseIgnoresExpiry()}. */
    private final boolean ignoreExpiry;
    private final ArrayDeque<Stamp> stamps = new ArrayDeque<>();
    /** The latest round stamped. */
    private long stampedRound;
    /** Acknowledgements of rounds below this one never extend the lease: a transfer started after them, or their stamp was forgotten. */
    private long firstCountedRound = 1;
    private boolean held;
    private long expiresNanos;

    /**
     * @param durationNanos how long a lease lasts from the stamp of the round that started it; 0 disables leases
     * @param ignoreExpiry TEST ONLY: a lease, once held, never expires
     */
    ReadLease(long durationNanos, boolean ignoreExpiry) {
        this.durationNanos = durationNanos;
        this.ignoreExpiry = ignoreExpiry;
    }

    /**
     * Stamps every round up to {@code round} not stamped yet: their heartbeats leave now.
     *
     * @param round the latest round started
     * @param nowNanos the leader's clock
     */
    void roundsSent(long round, long nowNanos) {
        if (durationNanos == 0 || round <= stampedRound) {
            return;
        }
        stampedRound = round;
        if (stamps.size() == MAX_STAMPS) {
            firstCountedRound = stamps.pollFirst().round() + 1; // its rounds' send time is forgotten
        }
        stamps.addLast(new Stamp(round, nowNanos));
    }

    /**
     * A quorum acknowledged {@code round} (or later rounds): the lease runs from its stamp.
     *
     * @param round the highest round a quorum acknowledged
     */
    void quorumAcknowledged(long round) {
        if (round < firstCountedRound) {
            return;
        }
        while (!stamps.isEmpty() && stamps.peekFirst().round() < round) {
            stamps.pollFirst();
        }
        if (stamps.isEmpty()) {
            return;
        }
        // The first stamp left covers the rounds from the one after the last removed, {@code round} among them.
        long expires = stamps.peekFirst().nanos() + durationNanos;
        if (!held || expires - expiresNanos > 0) {
            expiresNanos = expires;
            held = true;
        }
    }

    /**
     * Returns the lease as it stands, for reads at {@code readIndex}, or null if no lease is held.
     * Whether it holds at a given time is {@link LeaseGrant#holds}.
     *
     * @param readIndex the index lease reads may use
     */
    LeaseGrant grant(long readIndex) {
        return held ? new LeaseGrant(readIndex, expiresNanos, ignoreExpiry) : null;
    }

    /**
     * Ends the lease; acknowledgements of the rounds started so far never restore it.
     *
     * @param startedRound the latest round started, stamped or not
     */
    void end(long startedRound) {
        held = false;
        firstCountedRound = startedRound + 1;
        stamps.clear();
    }
}
