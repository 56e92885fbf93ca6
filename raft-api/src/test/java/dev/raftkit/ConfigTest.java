package dev.raftkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final Map<NodeId, Address> MEMBERS = Map.of(
            N1, Address.parse("127.0.0.1:9001"),
            NodeId.of("n2"), Address.parse("127.0.0.1:9002"),
            NodeId.of("n3"), Address.parse("127.0.0.1:9003"));

    @Test
    void defaultsAreDocumentedConstants() {
        Config config = Config.builder(N1, MEMBERS).build();
        assertThat(config.self()).isEqualTo(N1);
        assertThat(config.selfAddress()).isEqualTo(Address.parse("127.0.0.1:9001"));
        assertThat(config.members()).containsOnlyKeys(MEMBERS.keySet());
        assertThat(config.tickInterval()).isEqualTo(Config.DEFAULT_TICK_INTERVAL);
        assertThat(config.electionTimeoutTicksMin()).isEqualTo(Config.DEFAULT_ELECTION_TIMEOUT_TICKS_MIN);
        assertThat(config.electionTimeoutTicksMax()).isEqualTo(Config.DEFAULT_ELECTION_TIMEOUT_TICKS_MAX);
        assertThat(config.heartbeatIntervalTicks()).isEqualTo(Config.DEFAULT_HEARTBEAT_INTERVAL_TICKS);
        assertThat(config.maxBatchDelayTicks()).isZero();
        assertThat(config.maxBatchEntries()).isEqualTo(64);
        assertThat(config.maxInflightWrites()).isEqualTo(Config.DEFAULT_MAX_INFLIGHT_WRITES);
        assertThat(config.maxCommandBytes()).isEqualTo(Config.DEFAULT_MAX_COMMAND_BYTES).isEqualTo(4 << 20);
        assertThat(config.preVote()).isTrue();
        assertThat(config.checkQuorum()).isTrue();
        assertThat(config.snapshotThreshold()).isEqualTo(Config.DEFAULT_SNAPSHOT_THRESHOLD);
        assertThat(config.clusterId()).isEqualTo("raftkit");
        assertThat(config.dataDir()).isEmpty();
        assertThat(config.logStore()).isEmpty();
        assertThat(config.transport()).isEmpty();
        assertThat(config.options()).isEmpty();
        assertThat(config.joinExisting()).isFalse();
    }

    @Test
    void everySetterIsKeptAndToBuilderCopiesAll() {
        Config config = Config.builder(N1, MEMBERS)
                .tickInterval(Duration.ofMillis(5)).electionTimeoutTicks(20, 40).heartbeatIntervalTicks(4)
                .maxBatchDelayTicks(2).maxBatchEntries(128).maxInflightWrites(10).preVote(false).checkQuorum(false)
                .maxCommandBytes(1000).snapshotThreshold(0).clusterId("prod-1").dataDir(Path.of("/tmp/x")).logStore("lmdb")
                .transport("grpc").option("lmdb.mapSize", "64MiB").joinExisting(true).build();
        Config copy = config.toBuilder().build();
        for (Config c : new Config[] {config, copy}) {
            assertThat(c.tickInterval()).isEqualTo(Duration.ofMillis(5));
            assertThat(c.electionTimeoutTicksMin()).isEqualTo(20);
            assertThat(c.electionTimeoutTicksMax()).isEqualTo(40);
            assertThat(c.heartbeatIntervalTicks()).isEqualTo(4);
            assertThat(c.maxBatchDelayTicks()).isEqualTo(2);
            assertThat(c.maxBatchEntries()).isEqualTo(128);
            assertThat(c.maxInflightWrites()).isEqualTo(10);
            assertThat(c.maxCommandBytes()).isEqualTo(1000);
            assertThat(c.preVote()).isFalse();
            assertThat(c.checkQuorum()).isFalse();
            assertThat(c.snapshotThreshold()).isZero();
            assertThat(c.clusterId()).isEqualTo("prod-1");
            assertThat(c.dataDir()).contains(Path.of("/tmp/x"));
            assertThat(c.logStore()).contains("lmdb");
            assertThat(c.transport()).contains("grpc");
            assertThat(c.option("lmdb.mapSize")).contains("64MiB");
            assertThat(c.joinExisting()).isTrue();
        }
    }

    @Test
    void electionTimeoutMinAboveMaxNamesTheSettingAndTheAcceptedValues() {
        assertThatThrownBy(() -> Config.builder(N1, MEMBERS).electionTimeoutTicks(20, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("electionTimeoutTicks")
                .hasMessageContaining("min (20) must be <= max (10)");
    }

    @Test
    void nonPositiveValuesNameTheSetting() {
        Config.Builder b = Config.builder(N1, MEMBERS);
        assertThatThrownBy(() -> b.heartbeatIntervalTicks(0)).hasMessageContaining("heartbeatIntervalTicks must be >= 1");
        assertThatThrownBy(() -> b.maxBatchEntries(0)).hasMessageContaining("maxBatchEntries must be >= 1");
        assertThatThrownBy(() -> b.maxInflightWrites(-1)).hasMessageContaining("maxInflightWrites must be >= 1");
        assertThatThrownBy(() -> b.maxCommandBytes(0)).hasMessageContaining("maxCommandBytes must be >= 1, was 0");
        assertThatThrownBy(() -> b.maxBatchDelayTicks(-1)).hasMessageContaining("maxBatchDelayTicks must be >= 0");
        assertThatThrownBy(() -> b.snapshotThreshold(-1)).hasMessageContaining("snapshotThreshold must be >= 0");
        assertThatThrownBy(() -> b.electionTimeoutTicks(1, 5)).hasMessageContaining("min must be >= 2");
        assertThatThrownBy(() -> b.tickInterval(Duration.ZERO)).hasMessageContaining("tickInterval must be at least 1 ms");
        assertThatThrownBy(() -> b.clusterId("bad id")).hasMessageContaining("clusterId");
        assertThatThrownBy(() -> b.logStore(" ")).hasMessageContaining("logStore must not be blank");
    }

    @Test
    void selfMustBeAMember() {
        assertThatThrownBy(() -> Config.builder(NodeId.of("n9"), MEMBERS).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("members must include self (n9)");
    }

    @Test
    void heartbeatMustBeBelowElectionTimeout() {
        assertThatThrownBy(() -> Config.builder(N1, MEMBERS).electionTimeoutTicks(5, 10).heartbeatIntervalTicks(5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("heartbeatIntervalTicks (5) must be below electionTimeoutTicks min (5)");
    }

    @Test
    void membersAreCopiedAndUnmodifiable() {
        Config config = Config.builder(N1, MEMBERS).build();
        assertThatThrownBy(() -> config.members().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> config.options().put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
    }
}
