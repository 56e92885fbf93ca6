package dev.raftkit.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.examples.Eventually;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sharded key-value store as the example runs it, in this JVM: three hosts on LMDB and gRPC
 * (loopback), each running the groups {@code kv-0} to {@code kv-7}, and a {@link KvClient}. Writes
 * to keys of every group succeed and read back, each group's log holds its keys' writes, and the
 * data survives a host's restart.
 */
class ShardedKvTest {

    private static final int GROUPS = 8;

    private final List<String> keys = IntStream.range(0, 64).mapToObj(i -> "key-" + i).toList();
    private ShardedKvCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void writesToKeysOfEveryGroupSucceedReadBackAndSurviveARestartOfAHost(@TempDir Path dir) throws IOException {
        Map<Integer, Long> keysPerGroup = keys.stream()
                .collect(Collectors.groupingBy(k -> KvSharding.groupOf(k, GROUPS), Collectors.counting()));
        assertThat(keysPerGroup).as("the keys cover every group").hasSize(GROUPS);
        cluster = new ShardedKvCluster(3, GROUPS, "lmdb", "grpc", dir);

        try (KvClient client = new KvClient(cluster.clientAddresses(), Duration.ofSeconds(30))) {
            for (String key : keys) {
                assertThat(client.put(key, "first " + key)).as(key).isEmpty();
            }
            assertThat(client.groups()).isEqualTo(GROUPS);
            for (String key : keys) {
                assertThat(client.get(key)).as(key).contains("first " + key);
            }
        }
        for (int group = 0; group < GROUPS; group++) {
            // Each group's log holds its keys' writes and the opening of the client's session there.
            assertThat(cluster.leader(group).node(group).status().commitIndex()).as("group " + group)
                    .isGreaterThan(keysPerGroup.get(group));
        }

        cluster.stop("kv2");
        try (KvClient client = new KvClient(cluster.clientAddresses(), Duration.ofSeconds(30))) {
            for (String key : keys) {
                assertThat(client.put(key, "second " + key)).as("without kv2: " + key).contains("first " + key);
            }
        }
        cluster.stop("kv1");
        cluster.stop("kv3");

        cluster.start("kv2");
        KvServer restarted = cluster.servers().get("kv2");
        for (int group = 0; group < GROUPS; group++) {
            int g = group;
            long needed = keysPerGroup.get(g);
            // No other host runs: what kv2's groups hold now came from its own data.
            Eventually.find("kv2 recovering group " + g, () -> Optional.of(restarted.node(g).status().lastLogIndex())
                    .filter(last -> last > needed));
        }
        cluster.start("kv1");
        try (KvClient client = new KvClient(cluster.clientAddresses(), Duration.ofSeconds(30))) {
            for (String key : keys) {
                assertThat(client.get(key)).as("after the restarts: " + key).contains("second " + key);
            }
        }
    }

    @Test
    void aWriteIsRefusedUnlessItsKeyBelongsToItsSessionsGroup(@TempDir Path dir) throws IOException {
        cluster = new ShardedKvCluster(3, GROUPS, "lmdb", "grpc", dir);
        KvServer leader = cluster.leader(0);
        assertThat(leader.answer("GROUPS")).isEqualTo(LineProtocol.line("OK", "true", "8"));
        String opened = leader.answer(LineProtocol.line("OPEN", "0"));
        assertThat(opened).startsWith("OK true 0.");
        String session = LineProtocol.value(LineProtocol.split(opened).get(2));

        // "colour" belongs to group 6, "shape" to group 0 (KvShardingTest has the hash's golden values).
        assertThat(leader.answer(LineProtocol.line("PUT", session, "1", "colour", "blue")))
                .startsWith("ERROR ").contains("colour", "kv-6", "kv-0");
        assertThat(leader.answer(LineProtocol.line("PUT", session, "2", "shape", "round")))
                .isEqualTo(LineProtocol.line("OK", "true", null));
        assertThat(leader.answer(LineProtocol.line("OPEN", "8"))).startsWith("ERROR ")
                .contains(LineProtocol.field("no group 8 here: this server runs groups 0 to 7"));
    }
}
