package dev.raftkit.core;

import dev.raftkit.Node;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Binds a node's metrics to an application's own Micrometer {@link MeterRegistry}, following
 * Micrometer's {@link MeterBinder} convention:
 *
 * <pre>{@code
 * Config config = Config.builder(self, members)
 *         .option("raftkit.metrics.micrometer", "bind")
 *         .build();
 * Node<C, R> node = Raft.builder(config).stateMachine(sm).codec(codec).start();
 * new RaftkitMetrics(node).bindTo(registry);
 * }</pre>
 *
 * <p>Binding registers the node's meters in {@code registry} itself, until the node closes.
 * Binding several registries, before or after the first writes, is allowed. Frameworks that collect
 * {@code MeterBinder}s (for example as beans) can be handed a {@code RaftkitMetrics} directly.
 *
 * <p>Needs {@code dev.raftkit:raft-core} at compile scope and {@code io.micrometer:micrometer-core}
 * on the class path; the API ({@code raft-api}) stays free of Micrometer.
 */
public final class RaftkitMetrics implements MeterBinder {

    private final BoundMetrics metrics;

    /**
     * Selects the node whose metrics to bind.
     *
     * @param node a node started by raft-core with the option
     *     {@code raftkit.metrics.micrometer=bind}
     * @throws IllegalArgumentException if the node was started by another engine
     * @throws IllegalStateException if the node was started without {@code raftkit.metrics.micrometer=bind}
     */
    public RaftkitMetrics(Node<?, ?> node) {
        Objects.requireNonNull(node, "node");
        if (!(node instanceof RaftNode<?, ?> raftNode)) {
            throw new IllegalArgumentException("node " + node.id() + " was not started by raft-core ("
                    + node.getClass().getName() + "); only raft-core nodes report metrics");
        }
        if (!(raftNode.metrics() instanceof BoundMetrics bound)) {
            String now = raftNode.metrics() instanceof MicrometerMetrics
                    ? "reports to Micrometer's global registry (" + MetricsOption.KEY + "=global)"
                    : "reports no metrics";
            throw new IllegalStateException("node " + node.id() + " " + now + ": start it with the option "
                    + MetricsOption.KEY + "=bind to bind its metrics to a registry of your own");
        }
        this.metrics = bound;
    }

    /**
     * Reports the node's meters in {@code registry}, until the node closes: gauges show its
     * current state, timers and counters count from now.
     *
     * @param registry the application's registry
     * @throws IllegalStateException if the node is closed
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        metrics.bindTo(Objects.requireNonNull(registry, "registry"));
    }
}
