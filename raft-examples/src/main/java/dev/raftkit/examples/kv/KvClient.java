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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A client of the replicated key-value store: finds the leader of each key's group, follows
 * redirects, and writes through one session per group, opened on the group's first write,
 * retrying each write with the same session and sequence until it succeeds or {@link #timeout}
 * passes, so a write retried across a failover is applied once. If a session expired (unused for
 * the cluster's session timeout), the write fails with {@link KvException}, its outcome unknown,
 * and the group's next write opens a new session.
 *
 * <p>The client asks the servers how many groups they run on its first key request, then sends
 * each request for a key to the server it believes leads the key's group ({@link KvSharding}),
 * keeping one connection per server it talks to.
 *
 * <p>Not thread-safe: one request at a time (each write takes its session's next sequence number).
 */
public final class KvClient implements AutoCloseable {

    private static final long BACKOFF_MILLIS = 50;
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;
    /** The route of requests any server answers, beside the groups' routes (0 and up). */
    private static final int ANY_SERVER = -1;

    private final Map<String, InetSocketAddress> servers;
    private final List<String> ids;
    private final Duration timeout;
    /** Per route (a group's index, or {@link #ANY_SERVER}): the server to ask next. */
    private final Map<Integer, String> targets = new HashMap<>();
    /** Per group: its open session; absent until one is opened (and after it expired). */
    private final Map<Integer, Session> sessions = new HashMap<>();
    /** Per server: the open connection. */
    private final Map<String, Connection> connections = new HashMap<>();
    /** How many groups the servers run, or 0 until asked. */
    private int groups;

    /** A session of one group and the last sequence number it used. */
    private static final class Session {
        private final String token;
        private long sequence;

        private Session(String token) {
            this.token = token;
        }
    }

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
     * Reads {@code key} linearizably (on the leader of its group): the result reflects every write
     * that completed before the call.
     *
     * @param key the key
     * @return its value
     * @throws KvException as {@link #put} does
     */
    public Optional<String> get(String key) {
        return Optional.ofNullable(request(groupOf(key), "GET", key).value());
    }

    /**
     * Returns how many groups the servers run (1 unless sharded), asking a server the first time.
     *
     * @return the number of groups, at least 1
     * @throws KvException if no server answered within the timeout, or one answered nonsense
     */
    public int groups() {
        if (groups == 0) {
            groups = groupCount(request(ANY_SERVER, "GROUPS").value(), "the servers");
        }
        return groups;
    }

    /**
     * Asks one server for its node's status in each group it runs, once, without following the
     * leader.
     *
     * @param server the server's id, one of those given to the constructor
     * @return per group, in group order, the node's role, term, leader, log indexes and members as
     *     one line; one line unless the server is sharded
     * @throws KvException if the server is unreachable or does not answer
     * @throws IllegalArgumentException if {@code server} is not one of this client's servers
     */
    public List<String> status(String server) {
        if (!servers.containsKey(server)) {
            throw new IllegalArgumentException("unknown server " + server + "; known: " + ids);
        }
        disconnect(server); // a fresh connection: an old one may lead to a server since restarted
        int count = groupCount(ask(server, "GROUPS"), server);
        List<String> lines = new ArrayList<>(count);
        for (int group = 0; group < count; group++) {
            lines.add(ask(server, "STATUS", Integer.toString(group)));
        }
        return lines;
    }

    /** Sends one request to {@code server}, once, and returns the value of its OK answer. */
    private String ask(String server, String verb, String... fields) {
        try {
            List<String> reply = LineProtocol.split(exchange(server, LineProtocol.line(verb, fields)));
            if (!"OK".equals(reply.get(0))) {
                throw new KvException(server + " failed the request: " + LineProtocol.value(reply.get(1)));
            }
            return LineProtocol.value(reply.get(2));
        } catch (IOException e) {
            disconnect(server);
            throw new KvException(server + " is unreachable: " + e.getMessage());
        }
    }

    private static int groupCount(String answer, String who) {
        try {
            int count = Integer.parseInt(answer);
            if (count >= 1) {
                return count;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new KvException(who + " answered \"" + answer + "\" for the number of groups");
    }

    private int groupOf(String key) {
        return KvSharding.groupOf(key, groups());
    }

    /** Sends a write as the next sequence of the key's group's session, opening one first if needed. */
    private KvResult write(String verb, String key, String... fields) {
        int group = groupOf(key);
        Session session = sessions.get(group);
        if (session == null) {
            session = new Session(request(group, "OPEN", Integer.toString(group)).value());
            sessions.put(group, session);
        }
        List<String> all = new ArrayList<>(List.of(session.token, Long.toString(++session.sequence), key));
        all.addAll(Arrays.asList(fields));
        return request(group, verb, all.toArray(String[]::new));
    }

    /** Sends a request along {@code route}, following redirects and retrying until the timeout. */
    private KvResult request(int route, String verb, String... fields) {
        String line = LineProtocol.line(verb, fields);
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "no attempt";
        while (System.nanoTime() - deadline < 0) {
            String server = targets.computeIfAbsent(route, r -> ids.get(0));
            try {
                List<String> reply = LineProtocol.split(exchange(server, line));
                switch (reply.get(0)) {
                    case "OK":
                        return new KvResult(Boolean.parseBoolean(reply.get(1)), LineProtocol.value(reply.get(2)));
                    case "REDIRECT":
                        String leader = LineProtocol.value(reply.get(1));
                        lastProblem = server + " is not the leader" + (leader == null ? "" : "; " + leader + " is");
                        targets.put(route, leader != null && servers.containsKey(leader) ? leader : next(server));
                        break;
                    case "EXPIRED":
                        sessions.remove(route);
                        throw new KvException("the session expired; the write's outcome is unknown: "
                                + LineProtocol.value(reply.get(1)));
                    default:
                        throw new KvException(server + " failed the request: " + LineProtocol.value(reply.get(1)));
                }
            } catch (IOException e) {
                lastProblem = server + " is unreachable: " + e.getMessage();
                disconnect(server);
                targets.put(route, next(server));
            }
            sleep();
        }
        throw new KvException("no leader answered within " + timeout + "; last: " + lastProblem);
    }

    private String exchange(String server, String line) throws IOException {
        Connection connection = connections.get(server);
        if (connection == null) {
            connection = new Connection(servers.get(server));
            connections.put(server, connection);
        }
        return connection.exchange(line);
    }

    private String next(String server) {
        return ids.get((ids.indexOf(server) + 1) % ids.size());
    }

    private void disconnect(String server) {
        Connection connection = connections.remove(server);
        if (connection != null) {
            connection.close();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(BACKOFF_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvException("interrupted");
        }
    }

    /** Closes every connection; the next request opens new ones. */
    @Override
    public void close() {
        connections.values().forEach(Connection::close);
        connections.clear();
    }

    /** One connection to one server: a request line out, a response line back. */
    private static final class Connection {
        private final Socket socket;
        private final BufferedReader in;
        private final PrintWriter out;

        private Connection(InetSocketAddress address) throws IOException {
            Socket s = new Socket();
            try {
                s.connect(address, CONNECT_TIMEOUT_MILLIS);
                s.setSoTimeout((int) (KvServer.REQUEST_TIMEOUT_SECONDS + 5) * 1000);
                in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                out = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), true);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            socket = s;
        }

        private String exchange(String line) throws IOException {
            out.println(line);
            String reply = in.readLine();
            if (reply == null) {
                throw new IOException("connection closed");
            }
            return reply;
        }

        private void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to do
            }
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
