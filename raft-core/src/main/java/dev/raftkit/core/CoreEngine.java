package dev.raftkit.core;

import dev.raftkit.Node;
import dev.raftkit.RaftHost;
import dev.raftkit.spi.HostSetup;
import dev.raftkit.spi.NodeSetup;
import dev.raftkit.spi.RaftEngine;

/**
 * Raftkit's standard engine, found by {@link dev.raftkit.Raft} through
 * {@link java.util.ServiceLoader}: a pure Raft core driven by one driver thread, with a separate
 * storage thread (the leader's fsync overlaps replication) and apply thread. A host runs each
 * group as such a node on a shared pool of threads, one storage writer and one clock.
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

    /**
     * Starts a host on a pool of {@link dev.raftkit.HostConfig#threads()} threads (or on the setup's
     * runtime), with one storage writer thread and one timer; see {@link dev.raftkit.RaftHost}.
     */
    @Override
    public RaftHost startHost(HostSetup setup) {
        return CoreHost.start(setup);
    }
}
