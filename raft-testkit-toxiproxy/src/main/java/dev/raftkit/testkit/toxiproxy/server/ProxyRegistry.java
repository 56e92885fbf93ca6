package dev.raftkit.testkit.toxiproxy.server;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The server's proxies by name, with the collection-level operations of the API. Thread-safe. */
final class ProxyRegistry {

    private final Map<String, Proxy> proxies = new TreeMap<>();

    /** Returns the proxies ordered by name. */
    synchronized List<Proxy> all() {
        return List.copyOf(proxies.values());
    }

    /**
     * Returns the proxy of that name.
     *
     * @throws ApiException (404) if there is none
     */
    synchronized Proxy get(String name) {
        Proxy proxy = proxies.get(name);
        if (proxy == null) {
            throw ApiException.proxyNotFound();
        }
        return proxy;
    }

    /**
     * Adds a new proxy, started if {@code enabled}.
     *
     * @throws ApiException (409) if the name is taken; (500) if it cannot listen
     */
    synchronized Proxy create(String name, String listen, String upstream, boolean enabled) {
        if (proxies.containsKey(name)) {
            throw ApiException.proxyAlreadyExists();
        }
        Proxy proxy = new Proxy(name, listen, upstream);
        if (enabled) {
            proxy.start();
        }
        proxies.put(name, proxy);
        return proxy;
    }

    /**
     * Creates or replaces each proxy described, after checking them all. A proxy whose name, listen
     * and upstream already match is kept as it is (with its toxics and connections).
     *
     * @param specs each with {@code name}, {@code listen}, {@code upstream}, optional {@code enabled}
     * @param applied receives each proxy as it is applied, so a caller can report partial progress
     * @throws ApiException (400) for a missing field or a duplicate name; (500) if one cannot listen
     */
    synchronized void populate(List<ProxySpec> specs, List<Proxy> applied) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < specs.size(); i++) {
            ProxySpec spec = specs.get(i);
            if (spec.name() == null || spec.name().isEmpty()) {
                throw ApiException.missingField("name at proxy " + (i + 1));
            }
            if (spec.upstream() == null || spec.upstream().isEmpty()) {
                throw ApiException.missingField("upstream at proxy " + (i + 1));
            }
            if (!names.add(spec.name())) {
                throw ApiException.badRequestBody("duplicate proxy name \"" + spec.name() + "\"");
            }
        }
        for (ProxySpec spec : specs) {
            Proxy existing = proxies.get(spec.name());
            if (existing != null && existing.listen().equals(spec.listen())
                    && existing.upstream().equals(spec.upstream())) {
                applied.add(existing);
                continue;
            }
            if (existing != null) {
                existing.stop();
                proxies.remove(spec.name());
            }
            applied.add(create(spec.name(), spec.listen(), spec.upstream(), spec.enabled()));
        }
    }

    /**
     * Deletes a proxy, closing its listener and connections.
     *
     * @throws ApiException (404) if there is none
     */
    synchronized void remove(String name) {
        get(name).stop();
        proxies.remove(name);
    }

    /** Enables every proxy and removes every toxic. */
    synchronized void reset() {
        for (Proxy proxy : new ArrayList<>(proxies.values())) {
            proxy.start();
            proxy.removeAllToxics();
        }
    }

    /** Stops every proxy; used when the server shuts down. */
    synchronized void stopAll() {
        proxies.values().forEach(Proxy::stop);
        proxies.clear();
    }

    /**
     * A proxy description from a create or populate request.
     *
     * @param name the proxy name
     * @param listen {@code host:port}
     * @param upstream {@code host:port}
     * @param enabled whether to start it
     */
    record ProxySpec(String name, String listen, String upstream, boolean enabled) {
    }
}
