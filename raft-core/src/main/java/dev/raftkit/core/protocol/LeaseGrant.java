package dev.raftkit.core.protocol;

/**
 * What a lease read may use while the leader's read lease holds, taken from the core at one moment:
 * the index to read at (the commit index then, an entry of the leader's term having committed) and
 * when the lease runs out, on the leader's monotonic clock. The driver publishes it so that a
 * lease read can go straight to the state machine from the caller's thread.
 *
 * @param readIndex the index a lease read waits for before it runs
 * @param expiresNanos the first time, on the runtime's monotonic clock, at which the lease no longer holds
 * @param ignoresExpiry TEST ONLY ({@link CoreOptions#unsafeLeaseIgnoresExpiry()}): the lease never runs out
 */
public record LeaseGrant(long readIndex, long expiresNanos, boolean ignoresExpiry) {

    /**
     * Returns whether the lease holds at {@code nowNanos}.
     *
     * @param nowNanos the runtime's monotonic clock, read after this grant was taken
     * @return whether a read may use {@link #readIndex} without a round
     */
    public boolean holds(long nowNanos) {
        return ignoresExpiry || nowNanos - expiresNanos < 0;
    }
}
