package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * Carries one chunk of a snapshot to a follower that needs entries the leader has compacted away
 * (Raft §7). Chunks of one snapshot are sent in offset order; the follower acknowledges each, and
 * a transfer resumes from the last acknowledged offset.
 *
 * @param from the leader
 * @param to the follower
 * @param term the leader's term
 * @param meta which snapshot, with its total size and checksum
 * @param offset where {@code data} starts in the snapshot's data
 * @param data the chunk; shared, not copied
 * @param done whether this chunk ends the data
 */
public record InstallSnapshot(NodeId from, NodeId to, long term, SnapshotMeta meta, long offset, byte[] data,
        boolean done) implements RaftMessage {

    @Override
    public boolean equals(Object o) {
        return o instanceof InstallSnapshot s && from.equals(s.from) && to.equals(s.to) && term == s.term
                && meta.equals(s.meta) && offset == s.offset && done == s.done
                && java.util.Arrays.equals(data, s.data);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(from, to, term, meta, offset, done) * 31 + java.util.Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "InstallSnapshot[" + from + "->" + to + " term=" + term + " snapshot=" + meta.index() + "@"
                + meta.term() + " offset=" + offset + " len=" + data.length + " done=" + done + "]";
    }

    /** {@return the fixed estimate plus the chunk's bytes} */
    @Override
    public long sizeBytes() {
        return RaftMessage.super.sizeBytes() + data.length;
    }
}
