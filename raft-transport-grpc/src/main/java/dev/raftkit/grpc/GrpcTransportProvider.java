package dev.raftkit.grpc;

import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.Transport;
import dev.raftkit.spi.TransportProvider;

/**
 * The {@code grpc} transport provider: TCP with gRPC, binding the node's own address. See
 * {@link GrpcTransportOptions} for its {@code grpc.*} options.
 */
public final class GrpcTransportProvider implements TransportProvider {

    /** The name to select this provider by: {@value}. */
    public static final String NAME = "grpc";

    /** Creates the provider; cheap, for {@link java.util.ServiceLoader}. */
    public GrpcTransportProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Creates a {@link GrpcTransport}, not yet started.
     *
     * @throws IllegalArgumentException naming the option if a {@code grpc.*} option is invalid
     */
    @Override
    public Transport open(Config config) {
        return new GrpcTransport(config);
    }

    /**
     * Creates a {@link GrpcHostTransport}, not yet started: one server at the host's address and one
     * stream per peer host for every group.
     *
     * @throws IllegalArgumentException naming the option if a {@code grpc.*} option is invalid
     */
    @Override
    public HostTransport openHost(HostConfig config) {
        return new GrpcHostTransport(config);
    }
}
