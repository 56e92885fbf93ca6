package dev.raftkit;

/**
 * A network address of a node, {@code host:port}. IPv6 literals are written in brackets,
 * {@code [::1]:9000}, and kept without them in {@link #host()}.
 *
 * @param host a host name or IP literal, not blank
 * @param port 1 to 65535
 */
public record Address(String host, int port) {

    /**
     * Validates the address.
     *
     * @param host a host name or IP literal, not blank
     * @param port 1 to 65535
     * @throws IllegalArgumentException if the host is null or blank, or the port is outside 1..65535
     */
    public Address {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("invalid address: host must not be blank");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("invalid address " + host + ":" + port + ": port must be 1..65535");
        }
    }

    /**
     * Parses {@code host:port} or {@code [ipv6]:port}.
     *
     * @param text the address text
     * @return the address
     * @throws IllegalArgumentException naming the text if it is not of that form
     */
    public static Address parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("invalid address null: expected host:port");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("invalid address \"" + text + "\": expected host:port");
        }
        String host = text.substring(0, colon);
        if (host.indexOf(':') >= 0 && !(host.startsWith("[") && host.endsWith("]"))) {
            throw new IllegalArgumentException(
                    "invalid address \"" + text + "\": write IPv6 hosts in brackets, e.g. [::1]:9000");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid address \"" + text + "\": port is not a number", e);
        }
        return new Address(host, port);
    }

    /** Returns {@code host:port}, with an IPv6 host in brackets; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
