package dev.raftkit.testkit.toxiproxy;

import dev.raftkit.Address;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP server for tests. In {@link Mode#ECHO} it echoes every byte; in {@link Mode#CLOSE_AFTER_FIRST_BYTE}
 * it reads one byte and closes the connection. It records whether any connection was reset by its
 * peer. Daemon threads, one per connection; close it to stop everything.
 */
final class TcpTestServer implements AutoCloseable {

    /** What the server does with a connection. */
    enum Mode {
        ECHO,
        CLOSE_AFTER_FIRST_BYTE
    }

    private final ServerSocket listener;
    private final Mode mode;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final List<String> resets = new CopyOnWriteArrayList<>();

    private TcpTestServer(ServerSocket listener, Mode mode) {
        this.listener = listener;
        this.mode = mode;
    }

    /** Starts a server on a free port of {@code host}. */
    static TcpTestServer start(String host, Mode mode) throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.bind(new InetSocketAddress(host, 0));
        TcpTestServer server = new TcpTestServer(listener, mode);
        Thread acceptor = new Thread(server::acceptLoop, "test-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return server;
    }

    Address address() {
        return new Address(listener.getInetAddress().getHostAddress(), listener.getLocalPort());
    }

    /** Returns the messages of the "connection reset" errors the server's connections saw. */
    List<String> resets() {
        return resets;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                connections.add(socket);
                Thread t = new Thread(() -> serve(socket), "test-server-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (mode == Mode.CLOSE_AFTER_FIRST_BYTE) {
                    return;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).toLowerCase().contains("reset")) {
                resets.add(e.getMessage());
            }
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
