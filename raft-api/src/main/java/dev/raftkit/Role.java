package dev.raftkit;

/** The role a node plays in its cluster at one moment. */
public enum Role {
    /** Follows a leader (or waits for one); answers votes and appends. */
    FOLLOWER,
    /**
     * Asks the voters whether it could win an election, without raising its term (pre-vote), so a
     * node returning from a partition cannot depose a healthy leader.
     */
    PRE_CANDIDATE,
    /** Has raised its term and asks for votes. */
    CANDIDATE,
    /** Accepts writes and linearizable reads, and replicates the log. */
    LEADER,
    /** Receives the log but neither votes nor counts towards commit; can be promoted to voter. */
    LEARNER
}
