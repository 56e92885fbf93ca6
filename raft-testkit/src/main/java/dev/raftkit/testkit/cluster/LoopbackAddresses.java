package dev.raftkit.testkit.cluster;

import dev.raftkit.Address;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free loopback addresses for nodes of a real transport in tests.
 *
 * <p>Ports come from below Linux's ephemeral range (32768 and up), which outgoing connections draw
 * their local ports from: a port picked there can be taken by a client connection of an earlier
 * test before the node binds it. No port is returned twice in one JVM. Another process can still
 * take a port between this call and the node binding it.
 */
public final class LoopbackAddresses {

    /** Every port {@link #free()} tried in this JVM. */
    private static final Set<Integer> TRIED = ConcurrentHashMap.newKeySet();
    private static final int FIRST_PORT = 20_000;
    private static final int PORT_COUNT = 12_000;
    private static final int ATTEMPTS = 1_000;
    private static final Random PORTS = new Random();

    private LoopbackAddresses() {
    }

    /**
     * Returns a loopback address whose port was free a moment ago and that no earlier call of this
     * JVM returned.
     *
     * @return the address, on 127.0.0.1
     * @throws IllegalStateException if no free port was found
     */
    public static Address free() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = FIRST_PORT + PORTS.nextInt(PORT_COUNT);
            if (!TRIED.add(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                return new Address("127.0.0.1", port);
            } catch (IOException e) {
                // taken by another process: try another
            }
        }
        throw new IllegalStateException("no free loopback port in [" + FIRST_PORT + ", " + (FIRST_PORT + PORT_COUNT)
                + ") after " + ATTEMPTS + " tries");
    }
}
