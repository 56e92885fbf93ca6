package dev.raftkit.core.protocol;

/** How the leader answered a request to hand leadership over ({@link RaftCore#transferLeadership}). */
public enum TransferResult {
    /** The transfer started, or one to the same target is already under way. */
    STARTED,
    /** The target is this leader: nothing to do. */
    ALREADY_LEADER,
    /** This node is not the leader. */
    NOT_LEADER,
    /** A transfer to another node is under way. */
    OTHER_TRANSFER_UNDER_WAY,
    /** The target is not a voter of the configuration in force. */
    NOT_A_VOTER
}
