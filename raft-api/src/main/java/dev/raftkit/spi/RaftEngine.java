package dev.raftkit.spi;

import dev.raftkit.Node;
import dev.raftkit.RaftHost;

/**
 * A Raft implementation behind {@link Node}; found through {@link java.util.ServiceLoader}.
 * {@code dev.raftkit:raft-core} provides the standard one.
 *
 * <p>Implementations have a public no-argument constructor, must be cheap to construct, and are
 * registered in {@code META-INF/services/dev.raftkit.spi.RaftEngine} and with {@code provides} in
 * {@code module-info.java}.
 */
public interface RaftEngine {

    /** {@return a short name of this engine, shown in diagnostics} */
    String name();

    /**
     * Starts a node: recovers its state from the log store, starts the transport, and begins
     * ticking. Returns without waiting for an election.
     *
     * @param setup what the node is made of
     * @param <C> the command type
     * @param <R> the response type
     * @return the running node
     * @throws IllegalStateException if the node cannot start (the message says why); whatever was
     *     opened is closed again
     */
    <C, R> Node<C, R> start(NodeSetup<C, R> setup);

    /**
     * Starts a host: starts its transport and threads, and no group (the application starts each).
     *
     * @param setup what the host is made of
     * @return the running host
     * @throws UnsupportedOperationException if this engine cannot run hosts
     * @throws IllegalStateException if the host cannot start (the message says why); whatever was
     *     opened is closed again
     */
    default RaftHost startHost(HostSetup setup) {
        throw new UnsupportedOperationException("engine " + name() + " cannot run a RaftHost");
    }
}
