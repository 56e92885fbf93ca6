package dev.raftkit.examples.kv;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A client of the replicated key-value store: finds the leader, follows redirects, and writes
 * through a session it opens on first use, retrying each write with the same session and sequence
 * until it succeeds or {@link #timeout} passes, so a write retried across a failover is applied
 * once. If the session expired (unused for the cluster's session timeout), the write fails with
 * {@link KvException}, its outcome unknown, and the next write opens a new session.
 *
 * <p>Not thread-safe: one request at a time (each write takes the session's next sequence number).
 */
public final class KvClient implements AutoCloseable {

    private static final long BACKOFF_MILLIS = 50;

    private final Map<String, InetSocketAddress> servers;
    private final List<String> ids;
    private final Duration timeout;
    /** The session's id, or null until one is opened (and after it expired). */
    private String session;
    private long sequence;
    private String current;
    private Socket socket;
    private BufferedReader in;
    private PrintWriter out;

    /**
     * Creates a client; it connects on the first request.
     *
     * @param servers every node's id and client address
     * @param timeout how long one request may take, retries included
     */
    public KvClient(Map<String, InetSocketAddress> servers, Duration timeout) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("servers must name at least one node");
        }
        this.servers = new TreeMap<>(servers);
        this.ids = new ArrayList<>(this.servers.keySet());
        this.timeout = timeout;
        this.current = ids.get(0);
    }

    /**
     * Sets {@code key} to {@code value}.
     *
     * @param key the key
     * @param value its new value
     * @return the previous value
     * @throws KvException if no leader answered within the timeout, or the server reported an error
     */
    public Optional<String> put(String key, String value) {
        return Optional.ofNullable(write("PUT", key, value).value());
    }

    /**
     * Removes {@code key}.
     *
     * @param key the key
     * @return the value it held
     * @throws KvException as {@link #put} does
     */
    public Optional<String> delete(String key) {
        return Optional.ofNullable(write("DELETE", key).value());
    }

    /**
     * Sets {@code key} to {@code value} if it holds {@code expected} (null: if it is absent).
     *
     * @param key the key
     * @param expected the value it must hold, or null for "absent"
     * @param value its new value
     * @return whether it was set
     * @throws KvException as {@link #put} does
     */
    public boolean compareAndSet(String key, String expected, String value) {
        return write("CAS", key, expected, value).applied();
    }

    /**
     * Reads {@code key} linearizably (on the leader): the result reflects every write that
     * completed before the call.
     *
     * @param key the key
     * @return its value
     * @throws KvException as {@link #put} does
     */
    public Optional<String> get(String key) {
        return Optional.ofNullable(request("GET", key).value());
    }

    /**
     * Asks one server for its node's status, once, without following the leader.
     *
     * @param server the server's id, one of those given to the constructor
     * @return the node's role, term, leader, log indexes and members, as one line
     * @throws KvException if the server is unreachable or does not answer
     * @throws IllegalArgumentException if {@code server} is not one of this client's servers
     */
    public String status(String server) {
        if (!servers.containsKey(server)) {
            throw new IllegalArgumentException("unknown server " + server + "; known: " + ids);
        }
        moveTo(server);
        try {
            List<String> reply = LineProtocol.split(exchange(LineProtocol.line("STATUS")));
            if (!"OK".equals(reply.get(0))) {
                throw new KvException(server + " failed the request: " + LineProtocol.value(reply.get(1)));
            }
            return LineProtocol.value(reply.get(2));
        } catch (IOException e) {
            moveTo(server);
            throw new KvException(server + " is unreachable: " + e.getMessage());
        }
    }

    /** Sends a write as the next sequence of this client's session, opening one first if needed. */
    private KvResult write(String verb, String... fields) {
        if (session == null) {
            session = request("OPEN").value();
            sequence = 0;
        }
        List<String> all = new ArrayList<>(List.of(session, Long.toString(++sequence)));
        all.addAll(Arrays.asList(fields));
        return request(verb, all.toArray(String[]::new));
    }

    private KvResult request(String verb, String... fields) {
        String line = LineProtocol.line(verb, fields);
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "no attempt";
        while (System.nanoTime() - deadline < 0) {
            try {
                List<String> reply = LineProtocol.split(exchange(line));
                switch (reply.get(0)) {
                    case "OK":
                        return new KvResult(Boolean.parseBoolean(reply.get(1)), LineProtocol.value(reply.get(2)));
                    case "REDIRECT":
                        String leader = LineProtocol.value(reply.get(1));
                        lastProblem = current + " is not the leader" + (leader == null ? "" : "; " + leader + " is");
                        moveTo(leader != null && servers.containsKey(leader) ? leader : next());
                        break;
                    case "EXPIRED":
                        session = null;
                        throw new KvException("the session expired; the write's outcome is unknown: "
                                + LineProtocol.value(reply.get(1)));
                    default:
                        throw new KvException(current + " failed the request: " + LineProtocol.value(reply.get(1)));
                }
            } catch (IOException e) {
                lastProblem = current + " is unreachable: " + e.getMessage();
                moveTo(next());
            }
            sleep();
        }
        throw new KvException("no leader answered within " + timeout + "; last: " + lastProblem);
    }

    private String exchange(String line) throws IOException {
        if (socket == null) {
            InetSocketAddress address = servers.get(current);
            Socket s = new Socket();
            s.connect(address, 1000);
            s.setSoTimeout((int) (KvServer.REQUEST_TIMEOUT_SECONDS + 5) * 1000);
            socket = s;
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), true);
        }
        out.println(line);
        String reply = in.readLine();
        if (reply == null) {
            throw new IOException("connection closed");
        }
        return reply;
    }

    private String next() {
        return ids.get((ids.indexOf(current) + 1) % ids.size());
    }

    private void moveTo(String id) {
        close();
        current = id;
    }

    private static void sleep() {
        try {
            Thread.sleep(BACKOFF_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvException("interrupted");
        }
    }

    /** Closes the connection; the next request opens a new one. */
    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to do
            }
            socket = null;
        }
    }

    /** A request that failed for good. */
    public static final class KvException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param message what failed
         */
        public KvException(String message) {
            super(message);
        }
    }
}
