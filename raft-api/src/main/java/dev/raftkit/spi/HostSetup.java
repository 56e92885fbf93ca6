package dev.raftkit.spi;

import dev.raftkit.HostConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything an engine needs to start a {@link dev.raftkit.RaftHost}, assembled by
 * {@link dev.raftkit.Raft#host}. The host takes ownership of the store and the transport: it starts
 * the transport and closes both when it closes.
 *
 * @param config the host's configuration
 * @param logStore the opened store of every group
 * @param transport the transport, not yet started
 * @param runtime the runtime to use, or empty for the engine's production runtime (a fixed pool of
 *     {@link HostConfig#threads()} threads)
 */
public record HostSetup(HostConfig config, HostLogStore logStore, HostTransport transport,
        Optional<RaftRuntime> runtime) {

    /**
     * Checks that nothing is missing.
     *
     * @param config the host's configuration
     * @param logStore the opened store of every group
     * @param transport the transport, not yet started
     * @param runtime the runtime to use, or empty for the engine's production runtime
     */
    public HostSetup {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(logStore, "logStore");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(runtime, "runtime");
    }
}
