package dev.raftkit.testkit.toxiproxy.server;

import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.Map;

/**
 * One client connection through a proxy: the client socket, the upstream socket and the two links
 * that pump bytes between them. Thread-safe.
 */
final class ProxyConnection {

    private final Socket client;
    private final Socket upstream;
    private final Link upstreamLink;
    private final Link downstreamLink;
    private final Runnable onClosed;
    private int linksRunning = 2;

    /**
     * @param client the accepted client socket
     * @param upstream the socket connected to the proxy's upstream
     * @param toxics the proxy's toxics of each direction at accept time
     * @param onClosed run once, when both links have ended
     */
    ProxyConnection(Socket client, Socket upstream, Map<Direction, List<ToxicSpec>> toxics, Runnable onClosed) {
        this.client = client;
        this.upstream = upstream;
        this.onClosed = onClosed;
        this.upstreamLink = new Link(client, upstream, this, toxics.get(Direction.UPSTREAM));
        this.downstreamLink = new Link(upstream, client, this, toxics.get(Direction.DOWNSTREAM));
    }

    /** Starts the two pump threads. */
    void start(String threadNamePrefix) {
        startDaemon(upstreamLink, threadNamePrefix + "-up");
        startDaemon(downstreamLink, threadNamePrefix + "-down");
    }

    private static void startDaemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    /** Returns the link carrying the given direction. */
    Link link(Direction direction) {
        return direction == Direction.UPSTREAM ? upstreamLink : downstreamLink;
    }

    /** Closes both sockets, ending both links. */
    void close() {
        upstreamLink.closeDestination();
        downstreamLink.closeDestination();
    }

    /** Closes both sockets with SO_LINGER 0, so both peers see a TCP reset. */
    void reset() {
        for (Socket s : new Socket[] {client, upstream}) {
            try {
                s.setSoLinger(true, 0);
            } catch (IOException e) {
                // already closed: nothing to reset
            }
        }
        close();
    }

    void linkEnded(Link link) {
        boolean last;
        synchronized (this) {
            last = --linksRunning == 0;
        }
        if (last) {
            close();
            onClosed.run();
        }
    }
}
