package dev.raftkit.core.protocol;

/**
 * What the leader did with a proposal ({@link RaftCore#propose} or
 * {@link RaftCore#proposeMembership}): appended it at an index, or refused it for a reason the
 * caller turns into its own error or retry.
 */
public sealed interface Proposal {

    /**
     * The proposal was appended to the leader's log.
     *
     * @param firstIndex the index of its first entry; the others follow contiguously
     */
    record Appended(long firstIndex) implements Proposal {
    }

    /** Why the leader refused a proposal; nothing was appended. */
    enum Refused implements Proposal {
        /** This node is not the leader. */
        NOT_LEADER,
        /** The leader is handing leadership over; retry soon, at the new leader. */
        TRANSFERRING_LEADERSHIP,
        /**
         * A configuration change is still in flight, or no entry of this term has committed yet:
         * one change at a time (dissertation §4.1); retry once it commits.
         */
        MEMBERSHIP_CHANGE_PENDING
    }
}
