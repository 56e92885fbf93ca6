package dev.raftkit.core;

import dev.raftkit.Node;
import dev.raftkit.spi.NodeSetup;
import dev.raftkit.spi.RaftEngine;

/**
 * Raftkit's standard engine, found by {@link dev.raftkit.Raft} through
 * {@link java.util.ServiceLoader}: a pure Raft core driven by one driver thread, with a separate
 * storage thread (the leader's fsync overlaps replication) and apply thread.
 */
public final class CoreEngine implements RaftEngine {

    /** Creates the engine; cheap, as the ServiceLoader contract asks. */
    public CoreEngine() {
    }

    @Override
    public String name() {
        return "raft-core";
    }

    @Override
    public <C, R> Node<C, R> start(NodeSetup<C, R> setup) {
        return RaftNode.start(setup);
    }
}
