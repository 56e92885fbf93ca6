package dev.raftkit.core;

import dev.raftkit.NodeStatus;
import dev.raftkit.core.protocol.RaftCore;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The few points where the engine reports what it does, for metrics. The default is {@link #NONE}:
 * every hook does nothing and reads no clock, so a node without metrics pays nothing. The node
 * chooses the implementation from its configuration ({@link MetricsOption}).
 *
 * <p>Threading: {@link #trackWrite} runs on the caller's thread, {@link #proposed} and
 * {@link #sampleReplication} on the driver thread, {@link #persisted} on the storage thread,
 * {@link #snapshotTaken} on the apply thread; implementations are safe for that.
 */
interface EngineMetrics extends AutoCloseable {

    /** Reports nothing. */
    EngineMetrics NONE = new EngineMetrics() {
    };

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
