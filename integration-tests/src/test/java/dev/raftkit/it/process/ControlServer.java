package dev.raftkit.it.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * The child-process side of the {@link ControlProtocol}: a loopback port where every connection
 * gets its own thread that answers request lines one by one, and a watcher that halts the process
 * once its standard input ends, so a child never outlives the test JVM that started it, even if
 * that one is killed.
 */
final class ControlServer {

    private ControlServer() {
    }

    /** Halts this process as soon as its standard input ends: the parent closed it or died. */
    static void haltWhenParentGoes() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent writes nothing; any byte is ignored
                }
            } catch (IOException e) {
                // treated as the end of the input
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * Binds the control port and answers requests until the process ends; never returns normally.
     * Bind it only once the process is ready: a connection that succeeds means it is up.
     *
     * @param port the loopback port
     * @param name names the process in the line printed once the port is bound
     * @param answers turns one request line into its reply line; never throws
     * @throws IOException if the port cannot be bound or stops accepting
     */
    static void serve(int port, String name, UnaryOperator<String> answers) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        System.out.println(name + " serves control requests on " + server.getLocalSocketAddress());
        while (true) {
            Socket connection = server.accept();
            Thread handler = new Thread(() -> answerAll(connection, answers), "control-" + connection.getPort());
            handler.setDaemon(true);
            handler.start();
        }
    }

    private static void answerAll(Socket connection, UnaryOperator<String> answers) {
        try (connection;
                BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                        StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(connection.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(answers.apply(line));
            }
        } catch (IOException e) {
            // the test closed or dropped the connection: nothing to answer
        }
    }
}
