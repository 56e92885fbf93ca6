package dev.raftkit.spi;

import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import java.io.IOException;

/**
 * Creates {@link Transport}s; found through {@link java.util.ServiceLoader}.
 *
 * <p>Implementations have a public no-argument constructor and are registered both in
 * {@code META-INF/services/dev.raftkit.spi.TransportProvider} and with {@code provides} in
 * {@code module-info.java}. Constructing a provider must be cheap and must not throw.
 */
public interface TransportProvider {

    /** {@return the name users select this provider by in {@code Config.Builder.transport(name)}} */
    String name();

    /**
     * Returns how strongly this provider wants to be chosen when {@code Config.Builder.transport(name)}
     * names none: the highest priority on the class path wins; see {@link ProviderPriority} for the
     * values and the rule for ties.
     *
     * @return {@link ProviderPriority#DEFAULT} unless overridden; test doubles return
     *     {@link ProviderPriority#TEST_DOUBLE}
     */
    default int priority() {
        return ProviderPriority.DEFAULT;
    }

    /**
     * Creates the transport of node {@code config.self()}, not yet started. Reads
     * {@code config.selfAddress()}, {@code config.clusterId()} and the provider's own options.
     *
     * @param config the node's configuration
     * @return the transport
     * @throws IllegalArgumentException naming the option when a setting is missing or invalid
     * @throws IOException if it cannot be created
     */
    Transport open(Config config) throws IOException;

    /**
     * Creates the transport of a {@link dev.raftkit.RaftHost}, not yet started, listening at
     * {@code config.address()}. Providers that cannot carry several groups keep the default.
     *
     * @param config the host's configuration
     * @return the host's transport
     * @throws UnsupportedOperationException if this provider cannot serve hosts
     * @throws IllegalArgumentException naming the option when a setting is missing or invalid
     * @throws IOException if it cannot be created
     */
    default HostTransport openHost(HostConfig config) throws IOException {
        throw new UnsupportedOperationException("transport provider " + name() + " cannot serve a RaftHost");
    }
}
