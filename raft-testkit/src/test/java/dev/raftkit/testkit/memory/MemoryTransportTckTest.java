package dev.raftkit.testkit.memory;

import dev.raftkit.Config;
import dev.raftkit.spi.Transport;
import dev.raftkit.spi.TransportProvider;
import dev.raftkit.testkit.tck.TransportTck;
import java.io.IOException;
import java.util.ServiceLoader;

/** Runs the transport conformance kit against the {@code memory} provider, found as users find it. */
class MemoryTransportTckTest extends TransportTck {

    private static final long LIMIT = 4L << 20;

    @Override
    protected Transport create(Config config) throws IOException {
        TransportProvider provider = ServiceLoader.load(TransportProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(MemoryTransportProvider.NAME))
                .findFirst()
                .orElseThrow(() -> new AssertionError("memory transport provider not registered"));
        return provider.open(config.toBuilder().option(MemoryTransport.MAX_MESSAGE_BYTES_OPTION, Long.toString(LIMIT))
                .build());
    }

    @Override
    protected long maxMessageBytes() {
        return LIMIT;
    }
}
