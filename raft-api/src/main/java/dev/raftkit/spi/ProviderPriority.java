package dev.raftkit.spi;

/**
 * The priorities of {@link LogStoreProvider}s and {@link TransportProvider}s, which decide the
 * provider {@code Raft} picks when {@code Config} names none (gRPC's convention).
 *
 * <p>The rule: a provider named in {@code Config} is used whatever its priority. Otherwise the
 * provider with the highest priority wins; if several share the highest priority, starting fails
 * with a message that lists every provider found, and a name must be configured. Production
 * providers keep {@link #DEFAULT}, or return more to be preferred over other production providers.
 * Test doubles (raft-testkit's {@code memory} providers) return {@link #TEST_DOUBLE}, the lowest, so
 * a test double never wins, nor ties, an implicit choice against a production provider on the same
 * class path. Priorities below {@link #TEST_DOUBLE} are not meant to be used.
 */
public final class ProviderPriority {

    /** The lowest priority, of test doubles: chosen implicitly only when no other provider is present. */
    public static final int TEST_DOUBLE = 0;

    /** The priority of a production provider, what {@code priority()} returns unless overridden. */
    public static final int DEFAULT = 5;

    private ProviderPriority() {
    }
}
