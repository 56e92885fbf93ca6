package dev.raftkit.spi;

import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import java.io.IOException;

/**
 * Creates {@link LogStore}s; found through {@link java.util.ServiceLoader}.
 *
 * <p>Implementations have a public no-argument constructor and are registered both in
 * {@code META-INF/services/dev.raftkit.spi.LogStoreProvider} and, for the module path, with
 * {@code provides dev.raftkit.spi.LogStoreProvider with ...} in {@code module-info.java}.
 * Constructing a provider must be cheap and must not throw; do the work in {@link #open}.
 */
public interface LogStoreProvider {

    /** {@return the name users select this provider by in {@code Config.Builder.logStore(name)}} */
    String name();

    /**
     * Returns how strongly this provider wants to be chosen when {@code Config.Builder.logStore(name)}
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
     * Opens (creating if needed) the store of node {@code config.self()}, recovering whatever was
     * durable. Reads {@code config.dataDir()} and the provider's own {@code config.options()}.
     *
     * @param config the node's configuration
     * @return the opened store
     * @throws IllegalArgumentException naming the option when a setting is missing or invalid
     * @throws IOException if the store cannot be opened
     */
    LogStore open(Config config) throws IOException;

    /**
     * Opens (creating if needed) the store of a {@link dev.raftkit.RaftHost}, which holds every
     * group's data under {@code config.dataDir()}. Providers that cannot hold several groups keep
     * the default.
     *
     * @param config the host's configuration
     * @return the opened store
     * @throws UnsupportedOperationException if this provider cannot serve hosts
     * @throws IllegalArgumentException naming the option when a setting is missing or invalid
     * @throws IOException if the store cannot be opened
     */
    default HostLogStore openHost(HostConfig config) throws IOException {
        throw new UnsupportedOperationException("log store provider " + name() + " cannot serve a RaftHost");
    }
}
