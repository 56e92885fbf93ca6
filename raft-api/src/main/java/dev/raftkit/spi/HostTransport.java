package dev.raftkit.spi;

import dev.raftkit.Config;
import dev.raftkit.GroupId;
import java.io.IOException;

/**
 * The transport of a {@link dev.raftkit.RaftHost}: one listening address, and one connection per
 * peer host that carries the messages of every group, each tagged with its {@link GroupId}. The
 * engine sees each group through {@link #group}, an ordinary {@link Transport} whose obligations
 * (delivery, size, cluster id, sender checks, threading) hold per group.
 *
 * <h2>Multiplexing</h2>
 * A group's messages reach only that group's handler on the peer host, in the order sent; a slow
 * or stopped group never stalls another. A message for a group the receiving host does not run is
 * not delivered, and is counted and reported on both sides with the group's id.
 *
 * <h2>Lifecycle</h2>
 * {@code openHost} (provider), {@link #start} once, then groups open and close their views in any
 * order, then {@link #close}, which ends every view and every thread of the transport.
 *
 * <p>Implementers: {@code dev.raftkit.testkit.tck.TransportTck} checks these obligations.
 */
public interface HostTransport extends AutoCloseable {

    /**
     * States the largest encoded message any group's view carries, as {@link Transport#maxMessageBytes()}.
     *
     * @return the largest encoded message, in bytes
     */
    default long maxMessageBytes() {
        return Transport.DEFAULT_MAX_MESSAGE_BYTES;
    }

    /**
     * Binds the host's address and starts receiving.
     *
     * @throws IOException if the transport cannot start, e.g. the address is in use
     */
    void start() throws IOException;

    /**
     * Opens the view of one group: a {@link Transport}, not yet started, for node
     * {@code groupConfig.self()} of that group. Its {@link Transport#start} registers the group's
     * handler, its {@link Transport#close} unregisters the group (the host's connections stay).
     *
     * @param group the group
     * @param groupConfig the group's node configuration: its self, members and size limits
     * @return the group's transport
     * @throws IllegalStateException if a view of {@code group} is open, or the host transport is closed
     */
    Transport group(GroupId group, Config groupConfig);

    /** Closes every group's view and the host's connections, and ends the transport's threads. Idempotent. */
    @Override
    void close();
}
