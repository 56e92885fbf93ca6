/**
 * Raftkit's standard engine: a pure Raft core, one driver thread, one storage thread and one apply
 * thread per node. Users need nothing from it at compile time: {@code dev.raftkit.Raft} finds it
 * through {@link java.util.ServiceLoader}. The one exception is {@code RaftkitMetrics}, which binds a
 * node's metrics to an application's Micrometer registry.
 */
module dev.raftkit.core {
    requires dev.raftkit.api;
    requires org.slf4j;
    requires static micrometer.core;

    // RaftkitMetrics, for applications that bind a node's metrics to their own Micrometer registry.
    exports dev.raftkit.core;

    provides dev.raftkit.spi.RaftEngine with dev.raftkit.core.CoreEngine;
}
