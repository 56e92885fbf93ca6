package dev.raftkit.it.harness;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Chooses addresses for test nodes. */
public final class Ports {

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
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.bind(new InetSocketAddress(host, 0));
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
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a port on " + host, e);
        }
    }
}
