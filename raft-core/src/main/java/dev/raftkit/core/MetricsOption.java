package dev.raftkit.core;

import dev.raftkit.Config;
import dev.raftkit.GroupId;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The node option {@value #KEY}: where a node reports its {@link EngineMetrics}. {@code off} (the
 * default) reports nothing and reads no clock; {@code global} feeds Micrometer's global registry
 * ({@link MicrometerMetrics}); {@code bind} feeds the registries the application binds with
 * {@link RaftkitMetrics} ({@link BoundMetrics}).
 *
 * <p>The node chooses here, so the {@link EngineMetrics} hooks know no implementation; the
 * Micrometer classes load only when the option asks for them.
 */
final class MetricsOption {

    /** The option's key. */
    static final String KEY = "raftkit.metrics.micrometer";

    private MetricsOption() {
    }

    /**
     * Builds the metrics the option names.
     *
     * @param config the node's configuration
     * @param group the node's group on a host, which its meters are tagged with; empty for a single node
     * @param clock the node runtime's monotonic clock, in nanoseconds
     * @return {@link EngineMetrics#NONE}, or metrics registered in Micrometer's global registry or
     *     in the registries the application binds
     * @throws IllegalArgumentException if the option has another value, or asks for Micrometer
     *     when {@code io.micrometer:micrometer-core} is not on the class path
     */
    static EngineMetrics metrics(Config config, Optional<GroupId> group, LongSupplier clock) {
        String target = config.option(KEY).map(String::trim).orElse("off");
        switch (target) {
            case "off":
                return EngineMetrics.NONE;
            case "global", "bind":
                if (!micrometerPresent()) {
                    throw new IllegalArgumentException("option " + KEY + "=" + target + " needs "
                            + "io.micrometer:micrometer-core on the class path; add it or remove the option");
                }
                return target.equals("global") ? MicrometerMetrics.global(config, group, clock)
                        : new BoundMetrics(config, group, clock);
            default:
                throw new IllegalArgumentException("option " + KEY + " must be off, global or bind, "
                        + "was \"" + target + "\"");
        }
    }

    /** Returns whether Micrometer can be loaded, without initializing any of its classes. */
    private static boolean micrometerPresent() {
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry", false, MetricsOption.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
