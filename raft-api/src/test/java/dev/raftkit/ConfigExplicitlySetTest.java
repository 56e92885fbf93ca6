package dev.raftkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Checks that {@link Config#explicitlySet()} records exactly the settings the builder was told. */
class ConfigExplicitlySetTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final Map<NodeId, Address> MEMBERS = Map.of(N1, Address.parse("127.0.0.1:9001"));

    /** One call of each setter, by the setting it records. */
    private static final Map<Config.Setting, UnaryOperator<Config.Builder>> SETTERS = Map.ofEntries(
            Map.entry(Config.Setting.TICK_INTERVAL, b -> b.tickInterval(Duration.ofMillis(5))),
            Map.entry(Config.Setting.ELECTION_TIMEOUT_TICKS, b -> b.electionTimeoutTicks(20, 40)),
            Map.entry(Config.Setting.HEARTBEAT_INTERVAL_TICKS, b -> b.heartbeatIntervalTicks(4)),
            Map.entry(Config.Setting.MAX_BATCH_DELAY_TICKS, b -> b.maxBatchDelayTicks(2)),
            Map.entry(Config.Setting.MAX_BATCH_ENTRIES, b -> b.maxBatchEntries(128)),
            Map.entry(Config.Setting.MAX_INFLIGHT_WRITES, b -> b.maxInflightWrites(10)),
            Map.entry(Config.Setting.MAX_COMMAND_BYTES, b -> b.maxCommandBytes(1000)),
            Map.entry(Config.Setting.PRE_VOTE, b -> b.preVote(true)),
            Map.entry(Config.Setting.CHECK_QUORUM, b -> b.checkQuorum(true)),
            Map.entry(Config.Setting.SNAPSHOT_THRESHOLD, b -> b.snapshotThreshold(0)),
            Map.entry(Config.Setting.CLUSTER_ID, b -> b.clusterId("prod-1")),
            Map.entry(Config.Setting.DATA_DIR, b -> b.dataDir(Path.of("/tmp/x"))),
            Map.entry(Config.Setting.LOG_STORE, b -> b.logStore("lmdb")),
            Map.entry(Config.Setting.TRANSPORT, b -> b.transport("grpc")),
            Map.entry(Config.Setting.OPTION, b -> b.option("lmdb.mapSize", "64MiB")),
            Map.entry(Config.Setting.JOIN_EXISTING, b -> b.joinExisting(false)),
            Map.entry(Config.Setting.SESSION_WINDOW, b -> b.sessionWindow(8)),
            Map.entry(Config.Setting.SESSION_TIMEOUT, b -> b.sessionTimeout(Duration.ofSeconds(5))),
            Map.entry(Config.Setting.MAX_SESSIONS, b -> b.maxSessions(5)),
            Map.entry(Config.Setting.LEASE_RATIO, b -> b.leaseRatio(0.5)));

    @Test
    void aConfigLeftAtItsDefaultsSetsNothing() {
        assertThat(Config.builder(N1, MEMBERS).build().explicitlySet()).isEmpty();
    }

    @Test
    void eachSetterRecordsItsOwnSettingOnly() {
        assertThat(SETTERS).containsOnlyKeys(EnumSet.allOf(Config.Setting.class));
        SETTERS.forEach((setting, setter) -> assertThat(setter.apply(Config.builder(N1, MEMBERS)).build()
                .explicitlySet()).as(setting.name()).containsExactly(setting));
    }

    @Test
    void aSettingSetToItsDefaultValueStillCounts() {
        Config config = Config.builder(N1, MEMBERS).tickInterval(Config.DEFAULT_TICK_INTERVAL)
                .clusterId(Config.DEFAULT_CLUSTER_ID).build();
        assertThat(config.explicitlySet()).containsExactlyInAnyOrder(Config.Setting.TICK_INTERVAL,
                Config.Setting.CLUSTER_ID);
    }

    @Test
    void toBuilderKeepsWhatWasSetAndAddsNewSettings() {
        Config config = Config.builder(N1, MEMBERS).preVote(false).build();
        Config copy = config.toBuilder().heartbeatIntervalTicks(3).build();
        assertThat(config.explicitlySet()).containsExactly(Config.Setting.PRE_VOTE);
        assertThat(copy.explicitlySet()).containsExactlyInAnyOrder(Config.Setting.PRE_VOTE,
                Config.Setting.HEARTBEAT_INTERVAL_TICKS);
    }

    @Test
    void aFailedSetterRecordsNothing() {
        Config.Builder builder = Config.builder(N1, MEMBERS);
        try {
            builder.tickInterval(Duration.ZERO);
        } catch (IllegalArgumentException expected) {
            // the rejected value leaves the setting at its default
        }
        assertThat(builder.build().explicitlySet()).isEmpty();
    }

    @Test
    void theSetCannotBeChanged() {
        Config config = Config.builder(N1, MEMBERS).preVote(false).build();
        assertThatThrownBy(() -> config.explicitlySet().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
