package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;
import dev.raftkit.spi.InstallSnapshot;
import dev.raftkit.spi.InstallSnapshotResponse;
import dev.raftkit.spi.SnapshotMeta;

/**
 * The receiving half of snapshot transfer: chunks are accepted in order and handed to the driver to
 * write; the last one freezes the log until the driver reports the snapshot committed
 * ({@link #installed}) or rejected ({@link #rejected}). It belongs to the node, not to the follower
 * role: the driver's commit of a received snapshot runs on, and must be heard, whatever role the
 * node holds by the time it finishes.
 */
final class SnapshotReception {

    private final RaftCore core;
    private final RaftLog log;
    private final ConfigTracker configs;
    /** The snapshot being received, and how many of its bytes arrived in order; null if none. */
    private SnapshotMeta receiving;
    private long received;
    /** A received snapshot the driver is committing; the log is frozen meanwhile. Null if none. */
    private SnapshotMeta installing;
    /** Whether the log matched {@link #installing}'s position, so entries after it stay. */
    private boolean installingKeepsSuffix;
    /** The leader that sent {@link #installing}, told when it is installed. */
    private NodeId installingFrom;

    SnapshotReception(RaftCore core, RaftLog log, ConfigTracker configs) {
        this.core = core;
        this.log = log;
        this.configs = configs;
    }

    /** {@return whether a received snapshot is being committed, so the log must not change} */
    boolean installing() {
        return installing != null;
    }

    /** Handles a chunk from the leader. */
    void chunk(InstallSnapshot s) {
        SnapshotMeta meta = s.meta();
        NodeId self = core.self();
        long term = core.term();
        if (meta.index() <= log.committed() && installing == null) {
            // Everything the snapshot holds is already committed here.
            core.sendAfterPersist(new InstallSnapshotResponse(self, s.from(), term, meta.index(), meta.sizeBytes(),
                    true));
            return;
        }
        if (installing != null) {
            return;
        }
        if (!meta.equals(receiving)) {
            if (s.offset() != 0) {
                core.send(new InstallSnapshotResponse(self, s.from(), term, meta.index(), 0, false));
                return;
            }
            receiving = meta;
            received = 0;
        }
        if (s.offset() == received) {
            received += s.data().length;
            boolean done = s.done() && received == meta.sizeBytes();
            boolean keepSuffix = done && log.matchTerm(meta.index(), meta.term());
            core.outbox().snapshotChunk(new SnapshotChunk(meta, s.offset(), s.data(), done, keepSuffix));
            if (done) {
                installing = meta;
                installingKeepsSuffix = keepSuffix;
                installingFrom = s.from();
                receiving = null;
                return; // answered once installed
            }
        }
        core.sendAfterPersist(new InstallSnapshotResponse(self, s.from(), term, meta.index(), received, false));
    }

    /**
     * The driver committed {@code meta}. If it is the snapshot being installed, the log and the
     * configurations restart from it and its sender is told.
     *
     * @return whether it was the snapshot being installed
     */
    boolean installed(SnapshotMeta meta) {
        if (!meta.equals(installing)) {
            return false;
        }
        installing = null;
        log.installSnapshot(meta.index(), meta.term(), installingKeepsSuffix);
        configs.installed(meta.membership(), meta.index(), installingKeepsSuffix);
        core.send(new InstallSnapshotResponse(core.self(), installingFrom, core.term(), meta.index(),
                meta.sizeBytes(), true));
        return true;
    }

    /** The driver found {@code meta} damaged: the transfer starts over. */
    void rejected(SnapshotMeta meta) {
        if (!meta.equals(installing)) {
            return;
        }
        installing = null;
        core.send(new InstallSnapshotResponse(core.self(), installingFrom, core.term(), meta.index(), 0, false));
    }
}
