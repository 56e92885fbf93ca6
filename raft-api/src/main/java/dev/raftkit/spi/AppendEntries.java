package dev.raftkit.spi;

import dev.raftkit.NodeId;
import java.util.List;

/**
 * Replicates entries (Raft §5.3): the receiver accepts them if its log holds
 * {@code (prevLogIndex, prevLogTerm)}.
 *
 * @param from the leader
 * @param to the follower or learner
 * @param term the leader's term
 * @param prevLogIndex the index just before the first entry
 * @param prevLogTerm the term at {@code prevLogIndex}
 * @param entries the entries, contiguous from {@code prevLogIndex + 1}; may be empty
 * @param leaderCommit the leader's commit index
 */
public record AppendEntries(NodeId from, NodeId to, long term, long prevLogIndex, long prevLogTerm,
        List<LogEntry> entries, long leaderCommit) implements RaftMessage {

    /**
     * Copies the entry list (not the payloads).
     *
     * @param from the leader
     * @param to the follower or learner
     * @param term the leader's term
     * @param prevLogIndex the index just before the first entry
     * @param prevLogTerm the term at {@code prevLogIndex}
     * @param entries the entries, contiguous from {@code prevLogIndex + 1}; may be empty
     * @param leaderCommit the leader's commit index
     */
    public AppendEntries {
        entries = List.copyOf(entries);
    }

    /** {@return the fixed estimate plus every entry's size} */
    @Override
    public long sizeBytes() {
        long bytes = RaftMessage.super.sizeBytes();
        for (LogEntry entry : entries) {
            bytes += entry.sizeBytes();
        }
        return bytes;
    }
}
