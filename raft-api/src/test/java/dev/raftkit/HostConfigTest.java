package dev.raftkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Checks {@link HostConfig}'s defaults, its setters and the errors of bad values. */
class HostConfigTest {

    private static final Address LISTEN = Address.parse("10.0.0.1:7000");

    @Test
    void defaults() {
        HostConfig config = HostConfig.builder(LISTEN).build();
        assertThat(config.address()).isEqualTo(LISTEN);
        assertThat(config.dataDir()).isEmpty();
        assertThat(config.logStore()).isEmpty();
        assertThat(config.transport()).isEmpty();
        assertThat(config.options()).isEmpty();
        assertThat(config.clusterId()).isEqualTo(Config.DEFAULT_CLUSTER_ID);
        assertThat(config.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(config.tickInterval()).isEqualTo(Config.DEFAULT_TICK_INTERVAL);
    }

    @Test
    void everySetterIsKept() {
        HostConfig config = HostConfig.builder(LISTEN).dataDir(Path.of("/data")).logStore("lmdb").transport("grpc")
                .option("lmdb.mapSize", "1GiB").clusterId("prod-1").threads(3).tickInterval(Duration.ofMillis(20))
                .build();
        assertThat(config.dataDir()).contains(Path.of("/data"));
        assertThat(config.logStore()).contains("lmdb");
        assertThat(config.transport()).contains("grpc");
        assertThat(config.option("lmdb.mapSize")).contains("1GiB");
        assertThat(config.option("other")).isEmpty();
        assertThat(config.clusterId()).isEqualTo("prod-1");
        assertThat(config.threads()).isEqualTo(3);
        assertThat(config.tickInterval()).isEqualTo(Duration.ofMillis(20));
        assertThat(config.toString()).contains("10.0.0.1:7000", "threads=3", "lmdb.mapSize").doesNotContain("1GiB");
        assertThatThrownBy(() -> config.options().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void badValuesAreRefusedNamingTheSetting() {
        HostConfig.Builder b = HostConfig.builder(LISTEN);
        assertThatThrownBy(() -> HostConfig.builder(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("listen");
        assertThatThrownBy(() -> b.threads(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads").hasMessageContaining("0");
        assertThatThrownBy(() -> b.tickInterval(Duration.ofNanos(999_999))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tickInterval");
        assertThatThrownBy(() -> b.clusterId("bad id")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clusterId").hasMessageContaining("bad id");
        assertThatThrownBy(() -> b.logStore(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logStore");
        assertThatThrownBy(() -> b.transport("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("transport");
        assertThatThrownBy(() -> b.option(" ", "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("option key");
        assertThatThrownBy(() -> b.option("k", null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("k");
        assertThatThrownBy(() -> b.dataDir(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("dataDir");
        assertThat(b.build().threads()).as("refused values change nothing").isEqualTo(
                Runtime.getRuntime().availableProcessors());
    }

    @Test
    void groupIdsFollowTheNodeIdRules() {
        assertThat(GroupId.of("orders-7").toString()).isEqualTo("orders-7");
        assertThat(GroupId.of("a").compareTo(GroupId.of("b"))).isNegative();
        assertThatThrownBy(() -> GroupId.of("has space")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has space");
        assertThatThrownBy(() -> GroupId.of("x".repeat(65))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GroupId.of(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
    }
}
