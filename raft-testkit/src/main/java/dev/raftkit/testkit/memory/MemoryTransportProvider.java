package dev.raftkit.testkit.memory;

import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.ProviderPriority;
import dev.raftkit.spi.Transport;
import dev.raftkit.spi.TransportProvider;

/**
 * The {@code memory} transport provider: a message to an {@link dev.raftkit.Address} reaches the
 * node (or host) of this JVM started with that address, through {@link MemoryNetwork#shared()}; no
 * sockets. It serves hosts: {@link #openHost} gives a {@link MemoryHostTransport}.
 */
public final class MemoryTransportProvider implements TransportProvider {

    /** The name to select this provider by: {@value}. */
    public static final String NAME = "memory";

    /** Creates the provider; cheap, for {@link java.util.ServiceLoader}. */
    public MemoryTransportProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@return the lowest priority: a production provider on the class path is chosen over this one} */
    @Override
    public int priority() {
        return ProviderPriority.TEST_DOUBLE;
    }

    /**
     * Creates a {@link MemoryTransport} on the shared network.
     *
     * @throws IllegalArgumentException if {@code memory.maxMessageBytes} is invalid or another
     *     {@code memory.*} option is set
     */
    @Override
    public Transport open(Config config) {
        return new MemoryTransport(MemoryNetwork.shared(), config);
    }

    /**
     * Creates a {@link MemoryHostTransport} on the shared network.
     *
     * @throws IllegalArgumentException if {@code memory.maxMessageBytes} is invalid or another
     *     {@code memory.*} option is set
     */
    @Override
    public HostTransport openHost(HostConfig config) {
        return new MemoryHostTransport(MemoryNetwork.shared(), config);
    }
}
