package dev.raftkit.grpc;

import dev.raftkit.Config;
import dev.raftkit.spi.Transport;
import dev.raftkit.spi.TransportProvider;
import dev.raftkit.testkit.tck.TransportTck;
import java.io.IOException;
import java.util.ServiceLoader;

/** Runs the transport conformance kit against the {@code grpc} provider, found as users find it. */
class GrpcTransportTckTest extends TransportTck {

    private static final int LIMIT = 4 << 20;

    @Override
    protected Transport create(Config config) throws IOException {
        TransportProvider provider = ServiceLoader.load(TransportProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(GrpcTransportProvider.NAME))
                .findFirst()
                .orElseThrow(() -> new AssertionError("grpc transport provider not registered"));
        return provider.open(config.toBuilder()
                .option(GrpcTransportOptions.MAX_MESSAGE_BYTES, Integer.toString(LIMIT))
                .build());
    }

    @Override
    protected long maxMessageBytes() {
        return LIMIT;
    }
}
