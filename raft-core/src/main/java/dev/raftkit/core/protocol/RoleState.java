package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.RaftMessage;

/**
 * The state and message handling of one role, created by {@link RaftCore} when the node enters the
 * role and dropped when it leaves, so nothing a role keeps outlives it. {@link RaftCore} applies the
 * term rules before a message reaches a role, and changes roles itself.
 */
sealed interface RoleState permits FollowerRole, CandidateRole, LeaderRole {

    /** {@return the role this state stands for} */
    Role role();

    /** {@return the leader this node knows for the current term, or null if none} */
    NodeId leader();

    /** Advances this role's timers by one tick. */
    void tick();

    /**
     * Handles a message of the current term that only this role acts on: vote answers, replication
     * answers, {@code TimeoutNow}, read index requests and answers. Others are ignored.
     */
    void step(RaftMessage m);

    /**
     * {@return whether a live leader was heard within an election timeout, so that a disruptive
     * candidate is ignored (leader stickiness, dissertation §4.2.3)}
     */
    boolean inLease();

    /** This node granted its vote in the current term: an election clock restarts. */
    default void voteGranted() {
    }

    /** The configuration in force changed. */
    default void membershipChanged() {
    }

    /** {@return whether this role has work for the next ready} */
    default boolean hasReady() {
        return false;
    }

    /**
     * Sends what this role batched until the driver takes a ready.
     *
     * @param nowNanos the driver's monotonic clock: the messages leave no earlier than this
     */
    default void prepareReady(long nowNanos) {
    }

    /**
     * {@return whether this role is quiesced: its group is idle, {@link #tick()} does nothing and the
     * driver may stop ticking it (see {@link RaftCore#quiescent()})}
     */
    default boolean quiescent() {
        return false;
    }

    /** Resumes a quiesced role (see {@link RaftCore#wake()}); does nothing if it is not quiesced. */
    default void wake() {
    }

    /**
     * Resumes a quiesced role whose leader was lost with its host (see {@link RaftCore#wakeLeaderLost});
     * does nothing if it is not quiesced. Only a follower has a leader to lose; others just wake.
     *
     * @param first whether this node is the one that campaigns first ({@link Succession})
     */
    default void wakeLeaderLost(boolean first) {
        wake();
    }

    /** The node leaves this role; releases what the role holds. */
    default void leave() {
    }
}
