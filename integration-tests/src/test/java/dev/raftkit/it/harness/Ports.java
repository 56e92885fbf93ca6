package dev.raftkit.it.harness;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses addresses for test nodes: ports below the kernel's ephemeral range, which were free a
 * moment ago. Ports bound to 0 (the in-process Toxiproxy's proxies) and the local ends of outbound
 * connections come from the ephemeral range, so they cannot take a chosen port before its node binds it.
 */
public final class Ports {

    /** The lowest port handed out, above the well-known and usual service ports. */
    private static final int LOWEST = 10_000;
    /** Read when the kernel does not say where its ephemeral range starts: Linux's default. */
    private static final int DEFAULT_EPHEMERAL_START = 32_768;
    /** Ports tried at least, when an ephemeral range starting low leaves fewer below it. */
    private static final int MIN_SPAN = 1_000;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private Ports() {
    }

    /**
     * Returns {@code n1 .. n<count>}, each at a distinct port of {@code host} that was free a moment
     * ago: all ports are bound at once before any is released, so none is handed out twice.
     *
     * @throws UncheckedIOException if no port can be bound on that host
     */
    public static Map<NodeId, Address> nodeAddresses(String host, int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            Map<NodeId, Address> addresses = new TreeMap<>();
            for (int i = 1; i <= count; i++) {
                ServerSocket socket = bindBelowEphemeral(host);
                sockets.add(socket);
                addresses.put(NodeId.of("n" + i), new Address(host, socket.getLocalPort()));
            }
            return addresses;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind " + count + " ports on " + host, e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // closing a listening socket that accepted nothing does not fail in practice
                }
            }
        }
    }

    /**
     * Returns the members map of each of {@code count} nodes on loopback that reach each other
     * directly: every node is configured with the same {@link #nodeAddresses} map.
     */
    public static Map<NodeId, Map<NodeId, Address>> loopbackMembers(int count) {
        Map<NodeId, Address> addresses = nodeAddresses("127.0.0.1", count);
        Map<NodeId, Map<NodeId, Address>> members = new TreeMap<>();
        addresses.keySet().forEach(id -> members.put(id, addresses));
        return members;
    }

    /** Returns a port of {@code host} that was free a moment ago. */
    public static int freePort(String host) {
        try (ServerSocket socket = bindBelowEphemeral(host)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a port on " + host, e);
        }
    }

    /** Binds a socket without SO_REUSEADDR at a random free port of {@code host} below the ephemeral range. */
    private static ServerSocket bindBelowEphemeral(String host) throws IOException {
        int span = Math.max(ephemeralStart() - LOWEST, MIN_SPAN);
        int first = ThreadLocalRandom.current().nextInt(span);
        IOException last = null;
        for (int i = 0; i < span; i++) {
            ServerSocket socket = new ServerSocket();
            try {
                socket.setReuseAddress(false); // a port still in TIME_WAIT is not free for a node either
                socket.bind(new InetSocketAddress(host, LOWEST + (first + i) % span));
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
            }
        }
        throw new IOException("no free port of " + host + " in " + LOWEST + ".." + (LOWEST + span - 1), last);
    }

    private static int ephemeralStart() {
        try {
            return Integer.parseInt(Files.readString(EPHEMERAL_RANGE).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return DEFAULT_EPHEMERAL_START;
        }
    }
}
