package dev.raftkit.testkit.toxiproxy.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Toxiproxy-compatible server written with the JDK only: the Toxiproxy 2.x HTTP API (as used by
 * {@code toxiproxy-java} and Testcontainers' {@code ToxiproxyContainer}) and the toxics
 * {@code latency}, {@code bandwidth}, {@code slow_close}, {@code timeout}, {@code reset_peer},
 * {@code limit_data} and {@code slicer} with Toxiproxy's semantics.
 *
 * <p>Runs in-process for fast tests ({@link #start(String, int)}), or as a program
 * ({@link #main(String[])}) inside the image {@code LocalToxiproxyImage} builds. Thread-safe; all
 * threads it starts are daemon threads, stopped by {@link #close()}.
 */
public final class ToxiproxyServer implements AutoCloseable {

    /** The Toxiproxy release whose API this server follows; {@code /version} reports it with a suffix. */
    public static final String COMPATIBLE_VERSION = "2.12.0";

    /** The version text {@code /version} answers with. */
    public static final String VERSION = COMPATIBLE_VERSION + "-raftkit";

    private static final int DEFAULT_PORT = 8474;

    private final HttpServer http;
    private final ExecutorService apiThreads;
    private final ScheduledExecutorService timers;
    private final ProxyRegistry registry = new ProxyRegistry();

    private ToxiproxyServer(HttpServer http, ExecutorService apiThreads, ScheduledExecutorService timers) {
        this.http = http;
        this.apiThreads = apiThreads;
        this.timers = timers;
    }

    /**
     * Starts a server whose API listens on {@code host:port}.
     *
     * @param host the address to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
     * @param port the API port; 0 picks a free one (see {@link #port()})
     * @return the running server
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static ToxiproxyServer start(String host, int port) {
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for the Toxiproxy API", e);
        }
        ExecutorService apiThreads = Executors.newFixedThreadPool(4, daemonThreads("toxiproxy-api"));
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(daemonThreads("toxiproxy-timer"));
        ToxiproxyServer server = new ToxiproxyServer(http, apiThreads, timers);
        http.createContext("/", new ApiHandler(server.registry, new ToxicTypes(timers), VERSION));
        http.setExecutor(apiThreads);
        http.start();
        return server;
    }

    /**
     * Returns the port the API listens on.
     *
     * @return the port the API listens on
     */
    public int port() {
        return http.getAddress().getPort();
    }

    /** Stops the API, every proxy and every connection. */
    @Override
    public void close() {
        http.stop(0);
        registry.stopAll();
        apiThreads.shutdownNow();
        timers.shutdownNow();
    }

    /**
     * Runs the server until the process is killed. Flags as {@code toxiproxy-server} takes them:
     * {@code -host=ADDRESS} (default {@code localhost}) and {@code -port=PORT} (default 8474); the
     * two-argument forms {@code -host ADDRESS} and {@code -port PORT} work too.
     *
     * @param args the flags
     * @throws IllegalArgumentException naming an unknown flag or a bad port
     * @throws InterruptedException if the waiting main thread is interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        String host = "localhost";
        int port = DEFAULT_PORT;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i].replaceFirst("^--", "-");
            String value;
            String flag;
            int eq = arg.indexOf('=');
            if (eq >= 0) {
                flag = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else {
                flag = arg;
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("flag " + arg + " needs a value");
                }
                value = args[++i];
            }
            switch (flag) {
                case "-host" -> host = value;
                case "-port" -> port = parsePort(value);
                default -> throw new IllegalArgumentException("unknown flag " + flag + "; known: -host, -port");
            }
        }
        ToxiproxyServer server = start(host, port);
        System.out.println("Toxiproxy-compatible server " + VERSION + " listening on " + host + ":" + server.port());
        Thread.currentThread().join();
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-port must be 0..65535, got " + value);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, prefix + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
