package dev.raftkit.grpc;

import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.TransportProvider;
import dev.raftkit.testkit.tck.HostTransportTck;
import java.io.IOException;
import java.util.ServiceLoader;

/** Runs the host transport conformance kit against the {@code grpc} provider, found as users find it. */
class GrpcHostTransportTckTest extends HostTransportTck {

    @Override
    protected HostTransport openHost(HostConfig config) throws IOException {
        TransportProvider provider = ServiceLoader.load(TransportProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(GrpcTransportProvider.NAME))
                .findFirst()
                .orElseThrow(() -> new AssertionError("grpc transport provider not registered"));
        return provider.openHost(config);
    }

    @Override
    protected long unknownGroupCount(HostTransport host, GroupId group) {
        return ((GrpcHostTransport) host).unknownGroups().getOrDefault(group, 0L);
    }
}
