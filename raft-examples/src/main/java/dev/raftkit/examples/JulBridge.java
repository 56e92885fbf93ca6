package dev.raftkit.examples;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Routes {@code java.util.logging} into SLF4J, so that gRPC's log lines (gRPC logs through
 * {@code java.util.logging}) reach the example's SLF4J backend, with its format and its levels,
 * instead of printing in {@code java.util.logging}'s own two-line format. Raftkit itself logs
 * through SLF4J and needs no bridge.
 */
public final class JulBridge {

    private JulBridge() {
    }

    /** Replaces the handlers of {@code java.util.logging}'s root logger with SLF4J's bridge; call first in {@code main}. */
    public static void install() {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }
}
