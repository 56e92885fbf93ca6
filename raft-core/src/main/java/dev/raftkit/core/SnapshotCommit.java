package dev.raftkit.core;

import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one written snapshot durable ({@link SnapshotWriter#commit()}: a sync and a rename, as long
 * as the disk takes), away from the apply thread that wrote it. On a host the apply threads are the
 * pool that also drives every group, so a commit there would hold up the heartbeats of other groups
 * for as long as the disk makes it; the host commits on a thread of its own instead. {@link #run}
 * runs once, on the commit queue; the apply thread reads the outcome after the queue hands it back,
 * which orders the two.
 */
final class SnapshotCommit {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotCommit.class);

    private final String nodeId;
    private final SnapshotWriter writer;
    private final long index;
    private final LogStore store;
    private final Object commitLock;
    private SnapshotMeta committed;
    private SnapshotMeta newer;
    private Exception failure;

    /**
     * @param nodeId how logs name the node
     * @param writer the snapshot, written whole; this commit closes it
     * @param index the last index it covers
     * @param store the store that began it
     * @param commitLock held while committing, as a snapshot received from the leader is
     */
    SnapshotCommit(String nodeId, SnapshotWriter writer, long index, LogStore store, Object commitLock) {
        this.nodeId = nodeId;
        this.writer = writer;
        this.index = index;
        this.store = store;
        this.commitLock = commitLock;
    }

    /**
     * Commits the snapshot, unless a snapshot the leader sent was installed meanwhile that covers as
     * much or more: this one must not replace it, or the store would hold a snapshot older than
     * where its log starts. Either way the writer is closed.
     */
    void run() {
        try (writer) {
            synchronized (commitLock) {
                newer = store.latestSnapshot().filter(latest -> latest.index() >= index).orElse(null);
                committed = newer == null ? writer.commit() : null;
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
    }

    /** Closes {@code writer} without committing, for a snapshot whose writing failed; a failure to close is logged. */
    static void abandon(SnapshotWriter writer, String nodeId) {
        try {
            writer.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("[{}] could not remove an abandoned snapshot's data", nodeId, e);
        }
    }

    /** {@return the last index the snapshot covers} */
    long index() {
        return index;
    }

    /** {@return the committed snapshot, or null if it was not committed} */
    SnapshotMeta committed() {
        return committed;
    }

    /** {@return the installed snapshot that made this one needless, or null} */
    SnapshotMeta newer() {
        return newer;
    }

    /** {@return why the commit failed, or null} */
    Exception failure() {
        return failure;
    }
}
