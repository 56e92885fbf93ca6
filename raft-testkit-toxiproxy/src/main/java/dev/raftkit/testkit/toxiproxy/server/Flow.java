package dev.raftkit.testkit.toxiproxy.server;

import java.io.IOException;

/**
 * What a toxic sees of one direction of one connection: the rest of the chain after it, plus
 * controls over the connection. Calls come from that direction's pump thread, except
 * {@link #closeLink()} and {@link #resetLink()}, which timers may call from any thread.
 */
interface Flow {

    /** Hands bytes to the rest of the chain (and finally the destination socket). */
    void forward(byte[] data) throws IOException;

    /** Tells the rest of the chain that the source ended; the destination gets closed. */
    void end() throws IOException;

    /**
     * Waits, as a toxic's delay.
     *
     * @param nanos how long
     * @return true if the whole delay passed; false if the toxic was updated or removed meanwhile, or the
     *     link closed, in which case the caller should pass its data on at once
     */
    boolean pause(long nanos);

    /** Closes the destination of this direction, which ends the connection as Toxiproxy does. */
    void closeLink();

    /** Resets the connection: both sockets are closed with SO_LINGER 0, so peers see a TCP RST. */
    void resetLink();
}
