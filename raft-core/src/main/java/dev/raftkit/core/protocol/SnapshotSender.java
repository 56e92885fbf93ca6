package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;
import dev.raftkit.spi.InstallSnapshot;
import dev.raftkit.spi.InstallSnapshotResponse;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import java.io.IOException;

/**
 * The sending half of snapshot transfer: the latest durable snapshot of this node, and the leader's
 * streaming of it, in chunks a bounded window ahead of the follower's acknowledgements, to
 * followers that need entries compacted away. The state of each transfer lives in the follower's
 * {@link Progress}; the latest snapshot outlives roles (a follower that becomes leader sends its own).
 */
final class SnapshotSender {

    private final RaftCore core;
    private final LogStore store;
    private final int chunkBytes;
    /** The latest durable snapshot, sent to followers that need compacted entries; null if none. */
    private SnapshotMeta latest;

    SnapshotSender(RaftCore core, LogStore store, int chunkBytes, SnapshotMeta latest) {
        this.core = core;
        this.store = store;
        this.chunkBytes = chunkBytes;
        this.latest = latest;
    }

    /** Records a snapshot this node took or installed, if newer than the one it knows. */
    void taken(SnapshotMeta meta) {
        if (latest == null || meta.index() > latest.index()) {
            latest = meta;
        }
    }

    /** Records a snapshot this node installed from its leader: it is the latest now. */
    void installed(SnapshotMeta meta) {
        latest = meta;
    }

    /** Starts sending the latest snapshot to a follower that needs compacted entries. */
    void start(NodeId peer, Progress p) {
        if (latest == null) {
            throw new IllegalStateException("follower " + peer + " needs index " + p.next
                    + " which was compacted, but there is no snapshot");
        }
        p.becomeSnapshot(open());
        sendChunks(peer, p);
    }

    /**
     * Opens the latest snapshot for a transfer. If the store replaced it meanwhile (the applier
     * committed a newer one that this core has not heard of yet), the newer one is opened.
     */
    private SnapshotSource open() {
        try {
            return SnapshotSource.open(store, latest);
        } catch (IOException e) {
            try {
                SnapshotMeta newest = store.latestSnapshot().orElse(null);
                if (newest != null && newest.index() > latest.index()) {
                    latest = newest;
                    return SnapshotSource.open(store, newest);
                }
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw new StorageFault("opening snapshot " + latest.index(), e);
        }
    }

    /** Sends the next chunks of the follower's snapshot, a bounded window ahead of its acks. */
    void sendChunks(NodeId peer, Progress p) {
        SnapshotMeta meta = p.snapshot;
        long window = 4L * chunkBytes;
        while (p.snapshotSent - p.snapshotAcked < window
                && (p.snapshotSent < meta.sizeBytes() || p.snapshotSent == 0 && p.snapshotAcked == 0)) {
            int length = (int) Math.min(chunkBytes, meta.sizeBytes() - p.snapshotSent);
            byte[] data;
            try {
                data = p.source.chunkAt(p.snapshotSent, length);
            } catch (IOException e) {
                throw new StorageFault("reading snapshot " + meta.index() + " at offset " + p.snapshotSent, e);
            }
            if (data == null) {
                p.becomeSnapshot(open()); // asked for bytes no longer kept: start over
                meta = p.snapshot;
                continue;
            }
            boolean done = p.snapshotSent + length == meta.sizeBytes();
            core.send(new InstallSnapshot(core.self(), peer, core.term(), meta, p.snapshotSent, data, done));
            p.snapshotSent += length;
            if (done) {
                return;
            }
        }
    }

    /**
     * Handles a follower's answer to a chunk.
     *
     * @return whether the follower installed the snapshot, so appends resume
     */
    boolean answered(InstallSnapshotResponse r, Progress p) {
        if (p.state != Progress.State.SNAPSHOT || p.snapshot.index() != r.snapshotIndex()) {
            return false;
        }
        if (r.installed()) {
            p.snapshotInstalled(r.snapshotIndex());
            return true;
        }
        if (r.nextOffset() == 0) {
            // The follower holds nothing of it (it restarted, or the checksum failed): start over.
            p.becomeSnapshot(open());
        } else {
            // Every ack trails the chunks still in flight, so an ack is no sign of a lost chunk; a
            // lost one is resent from the heartbeat that finds the transfer stalled.
            p.snapshotAcked = Math.max(p.snapshotAcked, r.nextOffset());
            p.snapshotSent = Math.max(p.snapshotSent, p.snapshotAcked);
            p.source.acknowledged(p.snapshotAcked);
        }
        sendChunks(r.from(), p);
        return false;
    }
}
