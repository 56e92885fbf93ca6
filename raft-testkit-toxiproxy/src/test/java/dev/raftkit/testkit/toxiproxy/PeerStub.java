package dev.raftkit.testkit.toxiproxy;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for one node in network tests: a TCP server that greets every connection with the
 * node's id (bytes flowing from this node to the dialer) and records every line it receives (bytes
 * flowing from the dialer to this node), so each direction of a connection can be observed alone.
 */
final class PeerStub implements AutoCloseable {

    private final NodeId id;
    private final ServerSocket listener;
    private final Set<String> received = ConcurrentHashMap.newKeySet();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    private PeerStub(NodeId id, ServerSocket listener) {
        this.id = id;
        this.listener = listener;
    }

    static PeerStub start(NodeId id, String host) throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.bind(new InetSocketAddress(host, 0));
        PeerStub stub = new PeerStub(id, listener);
        Thread acceptor = new Thread(stub::acceptLoop, "peer-" + id + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return stub;
    }

    Address address() {
        return new Address(listener.getInetAddress().getHostAddress(), listener.getLocalPort());
    }

    /** Returns whether a line with this text arrived on any connection. */
    boolean received(String line) {
        return received.contains(line);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                connections.add(socket);
                Thread t = new Thread(() -> serve(socket), "peer-" + id + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            OutputStream out = socket.getOutputStream();
            out.write((id.value() + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line);
            }
        } catch (IOException e) {
            // the connection was cut or reset: what arrived is recorded
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : connections) {
            s.close();
        }
    }
}
