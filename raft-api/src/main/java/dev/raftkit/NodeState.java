package dev.raftkit;

/**
 * Whether a node still takes part in its cluster, as {@link NodeStatus#state()} reports it. Only a
 * {@link #RUNNING} node's role and leader are live; a stopped node reports {@link Role#FOLLOWER} (or
 * {@link Role#LEARNER}) and no leader, whatever it was when it stopped.
 */
public enum NodeState {
    /** The node runs: it steps messages and ticks, and its role and leader are current. */
    RUNNING,
    /** {@link Node#close()} stopped the node; its calls fail with {@link ShutdownException}. */
    CLOSED,
    /**
     * The node stopped itself after a fault ({@link FatalException} from its log store, or
     * {@link DriverDeadException} when one of its threads died); its calls fail with that exception.
     * A failed node stays failed after {@link Node#close()}.
     */
    FAILED
}
