package dev.raftkit.core.protocol;

/** What the core did with a read served on this node with the leader's read index ({@link RaftCore#followerRead}). */
public enum FollowerReadStart {
    /** The read waits for its read index; it appears in {@link Ready#reads()} or among the dropped reads. */
    QUEUED,
    /** No leader is known: nobody to ask for a read index. */
    NO_LEADER,
    /** Too many reads already wait for the leader's answer; retry shortly. */
    BUSY
}
