package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How a node's configuration selects its metrics, and what closing them leaves behind. */
class EngineMetricsTest {

    private static Config.Builder config() {
        NodeId self = NodeId.of("m1");
        return Config.builder(self, Map.of(self, Address.parse("127.0.0.1:1")));
    }

    @Test
    void withoutTheOptionNothingIsMeasured() {
        EngineMetrics metrics = MetricsOption.metrics(config().build(), Optional.empty(), () -> {
            throw new AssertionError("the clock must not be read");
        });
        assertThat(metrics).isSameAs(EngineMetrics.NONE);
        assertThat(metrics.clock()).isZero();
        assertThat(MetricsOption.metrics(config().option(MetricsOption.KEY, "off").build(), Optional.empty(), () -> 1))
                .isSameAs(EngineMetrics.NONE);
    }

    @Test
    void anUnknownValueIsRejectedByName() {
        assertThatThrownBy(() -> MetricsOption.metrics(config().option(MetricsOption.KEY, "jmx").build(), Optional.empty(),
                () -> 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("raftkit.metrics.micrometer must be off, global or bind, was \"jmx\"");
    }

    @Test
    void globalRegistersInTheGlobalRegistryAndCloseRemovesEveryMeter() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Metrics.addRegistry(registry);
        try {
            long[] now = {1_000};
            EngineMetrics metrics = MetricsOption.metrics(
                    config().option(MetricsOption.KEY, "global").build(), Optional.empty(), () -> now[0]);
            CompletableFuture<String> write = new CompletableFuture<>();
            metrics.trackWrite(write);
            now[0] += 5_000_000;
            write.complete("done");
            metrics.persisted(3, 1_000);
            assertThat(registry.get("raftkit.write.latency").tag("node", "m1").timer().totalTime(
                    TimeUnit.MILLISECONDS)).isEqualTo(5.0);
            assertThat(registry.get("raftkit.persist.entries").tag("node", "m1").summary().totalAmount())
                    .isEqualTo(3.0);
            metrics.close();
            assertThat(registry.find("raftkit.write.latency").meters()).isEmpty();
        } finally {
            Metrics.removeRegistry(registry);
        }
    }
}
