package dev.raftkit.core;

import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.NodeStatus;
import dev.raftkit.core.protocol.RaftCore;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The metrics of a node started with {@code raftkit.metrics.micrometer=bind}: reports to every
 * registry the application binds ({@link RaftkitMetrics}), each through its own
 * {@link MicrometerMetrics}, so the meters are registered in the application's registry directly.
 * Before the first binding the hooks report nothing. Loaded only when Micrometer is present.
 */
final class BoundMetrics implements EngineMetrics {

    private final Config config;
    private final Optional<GroupId> group;
    private final LongSupplier clock;
    private final List<MicrometerMetrics> targets = new CopyOnWriteArrayList<>();
    /** Set by {@link #bind(Supplier, IntSupplier)} when the node has started; each target gets them. */
    private volatile Supplier<NodeStatus> status;
    private volatile IntSupplier inflightWrites;
    private volatile boolean closed;

    BoundMetrics(Config config, Optional<GroupId> group, LongSupplier clock) {
        this.config = config;
        this.group = group;
        this.clock = clock;
    }

    /**
     * Reports the node's metrics in {@code registry} from now until the node closes: gauges show
     * the current state, timers and counters count from now.
     *
     * @param registry the application's registry
     * @throws IllegalStateException if the node is closed
     */
    synchronized void bindTo(MeterRegistry registry) {
        if (closed) {
            throw new IllegalStateException("node " + config.self() + " is closed; it has no metrics to bind");
        }
        MicrometerMetrics target = MicrometerMetrics.in(registry, config, group, clock);
        if (status != null) {
            target.bind(status, inflightWrites);
        }
        targets.add(target);
    }

    @Override
    public synchronized void bind(Supplier<NodeStatus> status, IntSupplier inflightWrites) {
        this.status = status;
        this.inflightWrites = inflightWrites;
        targets.forEach(t -> t.bind(status, inflightWrites));
    }

    @Override
    public void trackWrite(CompletableFuture<?> future) {
        targets.forEach(t -> t.trackWrite(future));
    }

    @Override
    public void proposed(int commands) {
        targets.forEach(t -> t.proposed(commands));
    }

    @Override
    public long clock() {
        return clock.getAsLong();
    }

    @Override
    public void persisted(int entries, long startNanos) {
        targets.forEach(t -> t.persisted(entries, startNanos));
    }

    @Override
    public void sampleReplication(RaftCore core) {
        targets.forEach(t -> t.sampleReplication(core));
    }

    @Override
    public void snapshotTaken(long sizeBytes, long startNanos) {
        targets.forEach(t -> t.snapshotTaken(sizeBytes, startNanos));
    }

    @Override
    public synchronized void close() {
        closed = true;
        targets.forEach(MicrometerMetrics::close);
        targets.clear();
    }
}
