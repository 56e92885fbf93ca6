package dev.raftkit.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks free TCP ports on the loopback interface for several nodes of one machine.
 *
 * <p>All ports are bound at once before any is released, so the operating system cannot hand the
 * same port out twice, as it may when a port is taken and released one at a time. Another process
 * can still take a port between this call and the node binding it.
 */
public final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /**
     * Returns {@code count} distinct ports of 127.0.0.1 that were free a moment ago.
     *
     * @param count how many, at least 1
     * @return the ports
     * @throws IllegalArgumentException if {@code count < 1}
     * @throws UncheckedIOException if the ports cannot be bound
     */
    public static List<Integer> distinct(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, was " + count);
        }
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports.add(socket.getLocalPort());
            }
            return List.copyOf(ports);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind " + count + " loopback ports", e);
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
}
