package dev.raftkit.core;

import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.core.protocol.RaftCore;
import java.util.Optional;

/**
 * An immutable view of the core, published by the driver after each step for {@code status()},
 * {@code role()} and {@code leader()}, which read it on the caller's thread.
 */
record CoreView(Role role, long term, Optional<NodeId> leader, long commitIndex, long lastLogIndex,
        long snapshotIndex, Membership membership) {

    /** Reads the view of {@code core}, on the driver thread. */
    static CoreView of(RaftCore core) {
        return new CoreView(core.role(), core.term(), core.leader(), core.commitIndex(), core.lastIndex(),
                core.snapshotIndex(), core.membership());
    }
}
