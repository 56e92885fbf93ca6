package dev.raftkit.testkit.toxiproxy.server;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One named proxy: listens on {@code listen}, connects each client to {@code upstream}, and applies
 * its toxics to every connection. Disabling it closes the listener and every connection, so new
 * connections are refused. Thread-safe: API calls are serialized on the proxy.
 */
final class Proxy {

    private static final int UPSTREAM_CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final long BIND_RETRY_NANOS = 2_000_000_000L;
    private static final long BIND_RETRY_PAUSE_MILLIS = 10;

    private final String name;
    private String listen;
    private String upstream;
    private boolean enabled;
    private ServerSocket listener;
    private final Map<Direction, List<ToxicSpec>> toxics = new EnumMap<>(Direction.class);
    private final Set<ProxyConnection> connections = ConcurrentHashMap.newKeySet();

    /**
     * Creates a stopped proxy.
     *
     * @param name unique name
     * @param listen {@code host:port} to listen on; port 0 picks a free port
     * @param upstream {@code host:port} to connect clients to
     */
    Proxy(String name, String listen, String upstream) {
        this.name = name;
        this.listen = listen;
        this.upstream = upstream;
        for (Direction d : Direction.values()) {
            toxics.put(d, new ArrayList<>());
        }
    }

    String name() {
        return name;
    }

    synchronized String listen() {
        return listen;
    }

    synchronized String upstream() {
        return upstream;
    }

    /**
     * Starts listening if not already. On success {@code listen} holds the bound address.
     *
     * @throws ApiException (500) naming the address if it cannot be bound
     */
    synchronized void start() {
        if (enabled) {
            return;
        }
        InetSocketAddress address = parseAddress(listen, "listen");
        ServerSocket socket = bind(address);
        listener = socket;
        listen = format(socket.getInetAddress(), address.getHostString(), socket.getLocalPort());
        enabled = true;
        Thread acceptor = new Thread(() -> acceptLoop(socket), "toxiproxy-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Binds a listener. A listener this proxy closed a moment ago may still hold the port while its
     * accept thread lets go of it, so a busy address is retried for a short, bounded time.
     */
    private ServerSocket bind(InetSocketAddress address) {
        long deadline = System.nanoTime() + BIND_RETRY_NANOS;
        while (true) {
            ServerSocket socket = null;
            try {
                socket = new ServerSocket();
                socket.setReuseAddress(true);
                socket.bind(address);
                return socket;
            } catch (BindException e) {
                closeQuietly(socket);
                if (System.nanoTime() > deadline) {
                    throw new ApiException(500, "listen tcp " + listen + ": " + e.getMessage());
                }
                try {
                    Thread.sleep(BIND_RETRY_PAUSE_MILLIS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ApiException(500, "listen tcp " + listen + ": interrupted");
                }
            } catch (IOException e) {
                closeQuietly(socket);
                throw new ApiException(500, "listen tcp " + listen + ": " + e.getMessage());
            }
        }
    }

    /** Stops listening and closes every connection; does nothing if already stopped. */
    synchronized void stop() {
        if (!enabled) {
            return;
        }
        enabled = false;
        closeQuietly(listener);
        listener = null;
        for (ProxyConnection c : connections) {
            c.close();
        }
        connections.clear();
    }

    /**
     * Applies an update: a new listen or upstream address restarts the proxy; {@code enabled}
     * starts or stops it.
     */
    synchronized void update(String newListen, String newUpstream, boolean newEnabled) {
        if (!newListen.equals(listen) || !newUpstream.equals(upstream)) {
            stop();
            listen = newListen;
            upstream = newUpstream;
        }
        if (newEnabled) {
            start();
        } else {
            stop();
        }
    }

    synchronized boolean enabled() {
        return enabled;
    }

    /**
     * Adds a toxic at the end of its stream's chain, acting on live and future connections.
     *
     * @throws ApiException (409) if a toxic of that name exists
     */
    synchronized void addToxic(ToxicSpec spec) {
        if (findToxic(spec.name()) != null) {
            throw ApiException.toxicAlreadyExists();
        }
        toxics.get(spec.stream()).add(spec);
        connections.forEach(c -> c.link(spec.stream()).attach(spec));
    }

    /** Returns the toxic of that name, or null. */
    synchronized ToxicSpec findToxic(String toxicName) {
        for (List<ToxicSpec> list : toxics.values()) {
            for (ToxicSpec t : list) {
                if (t.name().equals(toxicName)) {
                    return t;
                }
            }
        }
        return null;
    }

    /** Replaces a toxic (same name and stream) with new settings. */
    synchronized void replaceToxic(ToxicSpec spec) {
        List<ToxicSpec> list = toxics.get(spec.stream());
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).name().equals(spec.name())) {
                list.set(i, spec);
            }
        }
        connections.forEach(c -> c.link(spec.stream()).update(spec));
    }

    /**
     * Removes a toxic from live and future connections.
     *
     * @throws ApiException (404) if there is none of that name
     */
    synchronized void removeToxic(String toxicName) {
        ToxicSpec spec = findToxic(toxicName);
        if (spec == null) {
            throw ApiException.toxicNotFound();
        }
        toxics.get(spec.stream()).remove(spec);
        connections.forEach(c -> c.link(spec.stream()).detach(toxicName));
    }

    /** Removes every toxic. */
    synchronized void removeAllToxics() {
        for (Direction d : Direction.values()) {
            for (ToxicSpec spec : List.copyOf(toxics.get(d))) {
                removeToxic(spec.name());
            }
        }
    }

    /** Returns the toxics, upstream ones first, each stream in the order added. */
    synchronized List<Map<String, Object>> toxicsJson() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Direction d : Direction.values()) {
            toxics.get(d).forEach(t -> list.add(t.toJson()));
        }
        return list;
    }

    /** Returns the API JSON shape: name, listen, upstream, enabled, toxics. */
    synchronized Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("listen", listen);
        m.put("upstream", upstream);
        m.put("enabled", enabled);
        m.put("toxics", toxicsJson());
        return m;
    }

    private void acceptLoop(ServerSocket socket) {
        int accepted = 0;
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                return; // the listener was closed by stop()
            }
            if (socket.isClosed()) {
                // Accepted while stop() closed the listener (the accept call still held it): drop
                // it before it reaches the upstream.
                closeQuietly(client);
                return;
            }
            Socket server = new Socket();
            try {
                server.connect(parseAddress(upstream(), "upstream"), UPSTREAM_CONNECT_TIMEOUT_MILLIS);
            } catch (IOException | ApiException e) {
                closeQuietly(client);
                closeQuietly(server);
                continue;
            }
            register(client, server, "toxiproxy-" + name + "-" + (++accepted));
        }
    }

    private synchronized void register(Socket client, Socket server, String threadName) {
        if (!enabled) {
            closeQuietly(client);
            closeQuietly(server);
            return;
        }
        ProxyConnection[] self = new ProxyConnection[1];
        self[0] = new ProxyConnection(client, server, toxics, () -> connections.remove(self[0]));
        connections.add(self[0]);
        self[0].start(threadName);
    }

    /**
     * Parses {@code host:port}, {@code [ipv6]:port} or {@code :port} (all interfaces).
     *
     * @throws ApiException (400) naming the field if the text is not of that form
     */
    static InetSocketAddress parseAddress(String text, String field) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        if (colon < 0) {
            throw ApiException.badRequestBody(field + " must be host:port, got " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw ApiException.badRequestBody(field + " port is not a number in " + text);
        }
        if (port < 0 || port > 65535) {
            throw ApiException.badRequestBody(field + " port is out of range in " + text);
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    /**
     * Formats a bound address as {@code listen} shows it: the resolved IP, except that a wildcard
     * keeps the host text it was asked for (so the proxy can listen on it again after a restart).
     */
    private static String format(InetAddress address, String requestedHost, int port) {
        if (address.isAnyLocalAddress()) {
            String host = requestedHost.isEmpty() || requestedHost.equals("0.0.0.0") ? "0.0.0.0" : requestedHost;
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
        String host = address.getHostAddress();
        return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }
}
