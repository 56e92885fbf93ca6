package dev.raftkit;

/**
 * How {@link Node#read(ReadPolicy, java.util.function.Supplier)} makes a query consistent, from the
 * strongest and costliest to the cheapest. Every policy but {@link #LOCAL} is linearizable.
 */
public enum ReadPolicy {
    /**
     * The same as {@link Node#readLinearizable}: the leader confirms its leadership with a quorum
     * round (ReadIndex) started after the read arrived, waits until it has applied the commit index
     * it saw, then runs the query. Leader only.
     */
    LINEARIZABLE,
    /**
     * Linearizable, served on this node whatever its role (leader, follower or learner): the read
     * index comes from the leader over the transport, requests batched into one message, and the
     * query runs here once this node has applied that index. Fails with {@link NoLeaderException}
     * when no leader is known or the leader does not answer within an election timeout. Spreads
     * consistent reads over the followers.
     */
    FOLLOWER,
    /**
     * Leader only. While the leader's lease holds (a quorum acknowledged it within
     * {@code electionTimeoutMin x }{@link Config#leaseRatio()}), the query runs with no round;
     * otherwise it falls back to a ReadIndex round. Never served from a lease during a leadership
     * transfer, before the term's no-op has committed, or with {@link Config#checkQuorum()} off.
     * Assumes the nodes' clocks run at rates that differ by less than the ratio allows.
     */
    LEASE,
    /** The same as {@link Node#readLocal}: this node's applied state now, which may be stale. */
    LOCAL
}
