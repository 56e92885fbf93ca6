package dev.raftkit.testkit.toxiproxy;

import dev.raftkit.Address;
import dev.raftkit.testkit.toxiproxy.server.ToxiproxyServer;
import eu.rekawek.toxiproxy.ToxiproxyClient;

/**
 * The Toxiproxy-compatible server running in this JVM on loopback: no Docker needed, fast to start,
 * every proxy on a free loopback port. Close it to stop the server and its proxies.
 */
public final class InProcessToxiproxy implements ToxiproxyEndpoint, AutoCloseable {

    private static final String LOOPBACK = "127.0.0.1";

    private final ToxiproxyServer server;
    private final ToxiproxyClient client;

    private InProcessToxiproxy(ToxiproxyServer server) {
        this.server = server;
        this.client = new ToxiproxyClient(LOOPBACK, server.port());
    }

    /**
     * Starts a server with its API on a free loopback port.
     *
     * @return the running server
     */
    public static InProcessToxiproxy start() {
        return new InProcessToxiproxy(ToxiproxyServer.start(LOOPBACK, 0));
    }

    @Override
    public ToxiproxyClient client() {
        return client;
    }

    /** Returns {@link Integer#MAX_VALUE}: every proxy gets its own free loopback port. */
    @Override
    public int proxyCapacity() {
        return Integer.MAX_VALUE;
    }

    /** Returns {@code 127.0.0.1:0} whatever the slot: the server picks a free port. */
    @Override
    public String listenAddress(int slot) {
        if (slot < 0) {
            throw new IllegalArgumentException("proxy slot must not be negative, got " + slot);
        }
        return LOOPBACK + ":0";
    }

    @Override
    public Address reachableAddress(String listen) {
        return new Address(LOOPBACK, Address.parse(listen).port());
    }

    @Override
    public String upstreamFor(Address serviceOnThisMachine) {
        return serviceOnThisMachine.toString();
    }

    @Override
    public String serviceBindHost() {
        return LOOPBACK;
    }

    @Override
    public Address apiAddress() {
        return new Address(LOOPBACK, server.port());
    }

    /** Stops the server, its proxies and their connections. */
    @Override
    public void close() {
        server.close();
    }
}
