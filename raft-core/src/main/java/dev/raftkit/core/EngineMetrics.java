package dev.raftkit.core;

import dev.raftkit.Config;
import dev.raftkit.NodeStatus;
import dev.raftkit.core.protocol.RaftCore;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The few points where the engine reports what it does, for metrics. The default is {@link #NONE}:
 * every hook does nothing and reads no clock, so a node without metrics pays nothing. With the
 * option {@value #MICROMETER_OPTION}{@code =global} the hooks feed Micrometer's global registry;
 * with {@code =bind} they feed the registries the application binds with {@link RaftkitMetrics}
 * (see {@link MicrometerMetrics} and {@link BoundMetrics}).
 *
 * <p>Threading: {@link #trackWrite} runs on the caller's thread, {@link #proposed} and
 * {@link #sampleReplication} on the driver thread, {@link #persisted} on the storage thread,
 * {@link #snapshotTaken} on the apply thread; implementations are safe for that.
 */
interface EngineMetrics extends AutoCloseable {

    /**
     * Option key: where metrics go. {@code off} (the default), {@code global} (Micrometer's global
     * registry) or {@code bind} (the registries bound with {@link RaftkitMetrics}).
     */
    String MICROMETER_OPTION = "raftkit.metrics.micrometer";

    /** Reports nothing. */
    EngineMetrics NONE = new EngineMetrics() {
    };

    /**
     * Chooses the metrics of one node from its configuration.
     *
     * @param config the node's configuration
     * @param clock the node runtime's monotonic clock, in nanoseconds
     * @return {@link #NONE}, or metrics registered in Micrometer's global registry or in the node's
     *     own registry or in the node's
     *     own registry
     * @throws IllegalArgumentException if the option has another value, or asks for Micrometer
     *     when {@code io.micrometer:micrometer-core} is not on the class path
     */
    static EngineMetrics of(Config config, LongSupplier clock) {
        String target = config.option(MICROMETER_OPTION).map(String::trim).orElse("off");
        switch (target) {
            case "off":
                return NONE;
            case "global", "bind":
                if (!micrometerPresent()) {
                    throw new IllegalArgumentException("option " + MICROMETER_OPTION + "=" + target + " needs "
                            + "io.micrometer:micrometer-core on the class path; add it or remove the option");
                }
                return target.equals("global") ? MicrometerMetrics.global(config, clock)
                        : new BoundMetrics(config, clock);
            default:
                throw new IllegalArgumentException("option " + MICROMETER_OPTION + " must be off, global or bind, "
                        + "was \"" + target + "\"");
        }
    }

    /** Returns whether Micrometer can be loaded, without initializing any of its classes. */
    private static boolean micrometerPresent() {
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry", false, EngineMetrics.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Starts reporting the node's state, read from {@code status} and {@code inflightWrites} when
     * the metrics are read.
     *
     * @param status the node's {@code status()}
     * @param inflightWrites how many writes are accepted and not yet answered
     */
    default void bind(Supplier<NodeStatus> status, IntSupplier inflightWrites) {
    }

    /**
     * Times a write or batch from now until {@code future} completes, and counts it as rejected if
     * it fails.
     *
     * @param future the future handed to the caller, possibly already failed
     */
    default void trackWrite(CompletableFuture<?> future) {
    }

    /**
     * The leader appended {@code commands} client commands as one run (one write, one
     * {@code writeBatch}, or writes batched together).
     *
     * @param commands how many
     */
    default void proposed(int commands) {
    }

    /** Returns the start time of a measured operation, or 0 when nothing is measured. */
    default long clock() {
        return 0;
    }

    /**
     * One durable write of the log store finished.
     *
     * @param entries how many entries it held
     * @param startNanos what {@link #clock()} returned before it
     */
    default void persisted(int entries, long startNanos) {
    }

    /**
     * Samples how far each follower is behind, on the driver thread (a leader knows; other roles
     * report nothing).
     *
     * @param core the node's core
     */
    default void sampleReplication(RaftCore core) {
    }

    /**
     * The state machine wrote a snapshot that is now durable.
     *
     * @param sizeBytes its size
     * @param startNanos what {@link #clock()} returned before it was started
     */
    default void snapshotTaken(long sizeBytes, long startNanos) {
    }

    /** Stops reporting: removes this node's meters, so a node restarted in the same JVM starts afresh. */
    @Override
    default void close() {
    }
}
