package dev.raftkit.testkit.toxiproxy.server;

import java.util.Locale;

/**
 * The two streams of a proxied TCP connection, named as Toxiproxy names them.
 *
 * <p>{@link #UPSTREAM} carries what the client sends to the upstream server; {@link #DOWNSTREAM}
 * carries what the upstream server sends back to the client.
 */
public enum Direction {
    /** Client to upstream server. */
    UPSTREAM,
    /** Upstream server to client. */
    DOWNSTREAM;

    /** {@return the API name, {@code "upstream"} or {@code "downstream"}} */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads an API stream name.
     *
     * @param name {@code "upstream"} or {@code "downstream"}
     * @return the direction
     * @throws ApiException (400) with Toxiproxy's message for any other value
     */
    public static Direction fromApiName(String name) {
        for (Direction d : values()) {
            if (d.apiName().equals(name)) {
                return d;
            }
        }
        throw ApiException.invalidStream();
    }
}
