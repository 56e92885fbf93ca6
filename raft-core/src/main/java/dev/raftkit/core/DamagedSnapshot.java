package dev.raftkit.core;

import dev.raftkit.spi.SnapshotMeta;
import java.io.IOException;

/**
 * The error for a snapshot the log store refuses to open because it failed verification (or is
 * missing): the store's message names the file and the offset, this adds the recovery. The node
 * does not repair it by itself: it may hold the only copy of entries it acknowledged, so the safe
 * repair is the operator's, through membership.
 */
final class DamagedSnapshot {

    private DamagedSnapshot() {
    }

    /** Wraps the store's {@code cause} for snapshot {@code meta}, adding the documented recovery. */
    static IOException unreadable(SnapshotMeta meta, IOException cause) {
        return new IOException("snapshot " + meta.index() + " (term " + meta.term() + ") cannot be opened, so it was not "
                + "restored: " + cause.getMessage() + ". The snapshot is left in place. To recover, remove this member "
                + "from the cluster, delete its data directory and add it again (docs/membership.md, docs/operations.md "
                + "\"A damaged snapshot\"): it then receives a good snapshot from the leader", cause);
    }
}
