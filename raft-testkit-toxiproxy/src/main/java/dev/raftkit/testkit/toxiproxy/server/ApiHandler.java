package dev.raftkit.testkit.toxiproxy.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Toxiproxy 2.x HTTP API over a {@link ProxyRegistry}: routes, JSON shapes, status codes and
 * error bodies as Toxiproxy answers them. Called on the HTTP server's threads.
 */
final class ApiHandler implements HttpHandler {

    private static final System.Logger LOG = System.getLogger(ApiHandler.class.getName());
    private static final Set<String> UPDATE_METHODS = Set.of("POST", "PATCH");

    private final ProxyRegistry registry;
    private final ToxicTypes toxicTypes;
    private final String version;

    /**
     * @param registry the proxies to serve
     * @param toxicTypes builds toxics from request bodies
     * @param version the text {@code /version} reports
     */
    ApiHandler(ProxyRegistry registry, ToxicTypes toxicTypes, String version) {
        this.registry = registry;
        this.toxicTypes = toxicTypes;
        this.version = version;
    }

    /** A response: status, and a JSON value to write (null for no body). */
    private record Reply(int status, Object json) {
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String[] path = segments(exchange.getRequestURI().getRawPath());
            Reply reply;
            try {
                reply = route(method, path, exchange);
            } catch (ApiException e) {
                reply = new Reply(e.status(), error(e));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "toxiproxy API request failed: " + method + " " + exchange.getRequestURI(), e);
                reply = new Reply(500, error(new ApiException(500, String.valueOf(e.getMessage()))));
            }
            if (reply == null) {
                sendText(exchange, 404, "404 page not found\n");
            } else {
                send(exchange, reply);
            }
        }
    }

    private Reply route(String method, String[] path, HttpExchange exchange) throws IOException {
        if (path.length == 1 && path[0].equals("version")) {
            return method.equals("GET") ? new Reply(200, Map.of("version", version)) : notAllowed();
        }
        if (path.length == 1 && path[0].equals("reset")) {
            if (!method.equals("POST")) {
                return notAllowed();
            }
            registry.reset();
            return new Reply(204, null);
        }
        if (path.length == 1 && path[0].equals("populate")) {
            return method.equals("POST") ? populate(readBody(exchange)) : notAllowed();
        }
        if (path.length >= 1 && path[0].equals("proxies")) {
            return routeProxies(method, path, exchange);
        }
        return null;
    }

    private Reply routeProxies(String method, String[] path, HttpExchange exchange) throws IOException {
        if (path.length == 1) {
            return switch (method) {
                case "GET" -> new Reply(200, proxyIndex());
                case "POST" -> createProxy(readBody(exchange));
                default -> notAllowed();
            };
        }
        String proxyName = path[1];
        if (path.length == 2) {
            if (UPDATE_METHODS.contains(method)) {
                return updateProxy(registry.get(proxyName), readBody(exchange));
            }
            return switch (method) {
                case "GET" -> new Reply(200, registry.get(proxyName).toJson());
                case "DELETE" -> {
                    registry.remove(proxyName);
                    yield new Reply(204, null);
                }
                default -> notAllowed();
            };
        }
        if (!path[2].equals("toxics") || path.length > 4) {
            return null;
        }
        if (path.length == 3) {
            return switch (method) {
                case "GET" -> new Reply(200, registry.get(proxyName).toxicsJson());
                case "POST" -> createToxic(registry.get(proxyName), readBody(exchange));
                default -> notAllowed();
            };
        }
        String toxicName = path[3];
        if (UPDATE_METHODS.contains(method)) {
            return updateToxic(registry.get(proxyName), toxicName, readBody(exchange));
        }
        return switch (method) {
            case "GET" -> {
                ToxicSpec toxic = registry.get(proxyName).findToxic(toxicName);
                if (toxic == null) {
                    throw ApiException.toxicNotFound();
                }
                yield new Reply(200, toxic.toJson());
            }
            case "DELETE" -> {
                registry.get(proxyName).removeToxic(toxicName);
                yield new Reply(204, null);
            }
            default -> notAllowed();
        };
    }

    private Map<String, Object> proxyIndex() {
        Map<String, Object> index = new LinkedHashMap<>();
        for (Proxy proxy : registry.all()) {
            index.put(proxy.name(), proxy.toJson());
        }
        return index;
    }

    private Reply createProxy(Object body) {
        ProxyRegistry.ProxySpec spec = proxySpec(asObject(body));
        if (spec.name() == null || spec.name().isEmpty()) {
            throw ApiException.missingField("name");
        }
        if (spec.upstream() == null || spec.upstream().isEmpty()) {
            throw ApiException.missingField("upstream");
        }
        Proxy proxy = registry.create(spec.name(), spec.listen(), spec.upstream(), spec.enabled());
        return new Reply(201, proxy.toJson());
    }

    private Reply updateProxy(Proxy proxy, Object body) {
        Map<String, Object> fields = asObject(body);
        String listen = optionalString(fields, "listen", proxy.listen());
        String upstream = optionalString(fields, "upstream", proxy.upstream());
        boolean enabled = optionalBoolean(fields, "enabled", proxy.enabled());
        proxy.update(listen, upstream, enabled);
        return new Reply(200, proxy.toJson());
    }

    private Reply populate(Object body) {
        if (!(body instanceof List<?> list)) {
            throw ApiException.badRequestBody("expected a JSON array of proxies");
        }
        List<ProxyRegistry.ProxySpec> specs = new ArrayList<>();
        for (Object item : list) {
            specs.add(proxySpec(asObject(item)));
        }
        List<Proxy> applied = new ArrayList<>();
        Map<String, Object> result = new LinkedHashMap<>();
        int status = 201;
        try {
            registry.populate(specs, applied);
        } catch (ApiException e) {
            result.putAll(error(e));
            status = e.status();
        }
        List<Object> proxies = new ArrayList<>();
        applied.forEach(p -> proxies.add(p.toJson()));
        result.put("proxies", proxies);
        return new Reply(status, result);
    }

    private Reply createToxic(Proxy proxy, Object body) {
        ToxicSpec spec = toxicTypes.create(asObject(body));
        proxy.addToxic(spec);
        return new Reply(200, spec.toJson());
    }

    private Reply updateToxic(Proxy proxy, String toxicName, Object body) {
        ToxicSpec current = proxy.findToxic(toxicName);
        if (current == null) {
            throw ApiException.toxicNotFound();
        }
        ToxicSpec updated = toxicTypes.update(current, asObject(body));
        proxy.replaceToxic(updated);
        return new Reply(200, updated.toJson());
    }

    private static ProxyRegistry.ProxySpec proxySpec(Map<String, Object> fields) {
        String listen = optionalString(fields, "listen", "");
        return new ProxyRegistry.ProxySpec(optionalString(fields, "name", null),
                listen.isEmpty() ? ":0" : listen,
                optionalString(fields, "upstream", null),
                optionalBoolean(fields, "enabled", true));
    }

    private static Reply notAllowed() {
        return new Reply(405, null);
    }

    private static Map<String, Object> error(ApiException e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", e.getMessage());
        m.put("status", e.status());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(Object body) {
        if (!(body instanceof Map)) {
            throw ApiException.badRequestBody("expected a JSON object");
        }
        return (Map<String, Object>) body;
    }

    private static String optionalString(Map<String, Object> fields, String key, String fallback) {
        Object value = fields.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String s)) {
            throw ApiException.badRequestBody(key + " must be a string, got " + value);
        }
        return s;
    }

    private static boolean optionalBoolean(Map<String, Object> fields, String key, boolean fallback) {
        Object value = fields.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean b)) {
            throw ApiException.badRequestBody(key + " must be true or false, got " + value);
        }
        return b;
    }

    private static Object readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (text.isBlank()) {
                throw ApiException.badRequestBody("EOF");
            }
            return Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequestBody(e.getMessage());
        }
    }

    private static String[] segments(String rawPath) {
        String trimmed = rawPath.replaceAll("^/+|/+$", "");
        if (trimmed.isEmpty()) {
            return new String[0];
        }
        String[] parts = trimmed.split("/");
        for (int i = 0; i < parts.length; i++) {
            parts[i] = java.net.URLDecoder.decode(parts[i].replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        return parts;
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        if (reply.json() == null) {
            exchange.sendResponseHeaders(reply.status(), -1);
            return;
        }
        String text = Json.write(reply.json()) + (reply.status() >= 400 ? "\n" : "");
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(reply.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static void sendText(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
