package dev.raftkit.it.thirdparty;

import dev.raftkit.Config;
import dev.raftkit.spi.Transport;
import dev.raftkit.spi.TransportProvider;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Offers {@link CountingDelayTransport} under the provider name {@value #NAME}, wrapped around
 * another transport provider found on the class path; registered in this module's test resources
 * under {@code META-INF/services/dev.raftkit.spi.TransportProvider}.
 *
 * <p>Options: {@value #DELEGATE} names the wrapped provider (default {@code grpc});
 * {@value #DELAY_MILLIS} is the delay of every outbound message (default 0).
 */
public final class CountingDelayTransportProvider implements TransportProvider {

    /** The provider name: {@code Config.Builder.transport("counting-delay")}. */
    public static final String NAME = "counting-delay";
    /** The option naming the wrapped transport provider. */
    public static final String DELEGATE = "counting.delegate";
    /** The option giving the delay of each outbound message, in milliseconds. */
    public static final String DELAY_MILLIS = "counting.delayMillis";

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Opens the wrapped transport and decorates it.
     *
     * @throws IllegalArgumentException if an option is invalid or names this provider itself
     * @throws IllegalStateException if the wrapped provider is not on the class path
     */
    @Override
    public Transport open(Config config) throws IOException {
        String delegateName = config.option(DELEGATE).orElse("grpc");
        if (delegateName.equals(NAME)) {
            throw new IllegalArgumentException(DELEGATE + " must name another transport provider, not " + NAME);
        }
        return new CountingDelayTransport(config.self(), delegate(delegateName).open(config),
                Duration.ofMillis(delayMillis(config)));
    }

    private static long delayMillis(Config config) {
        String text = config.option(DELAY_MILLIS).orElse("0");
        try {
            long millis = Long.parseLong(text);
            if (millis >= 0) {
                return millis;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(DELAY_MILLIS + " must be a whole number of milliseconds >= 0, got '"
                + text + "'");
    }

    private static TransportProvider delegate(String name) {
        List<String> found = new ArrayList<>();
        for (TransportProvider provider : ServiceLoader.load(TransportProvider.class,
                CountingDelayTransportProvider.class.getClassLoader())) {
            if (provider.name().equals(name)) {
                return provider;
            }
            found.add(provider.name());
        }
        throw new IllegalStateException(DELEGATE + " names the transport '" + name
                + "', which is not on the class path (found: " + found + ")");
    }
}
