package dev.raftkit.spi;

import dev.raftkit.Node;

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
}
