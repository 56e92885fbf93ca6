package dev.raftkit.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three key-value servers in this JVM (in-memory log store and transport, real client sockets on
 * loopback) and a {@link KvClient}: every operation, redirects to the leader, and a failover in the
 * middle of a client's session.
 */
class KvClusterTest {

    private final Map<String, KvServer> servers = new LinkedHashMap<>();

    @AfterEach
    void stop() {
        servers.values().forEach(KvServer::close);
    }

    @Test
    void aClientWritesAndReadsThroughFailover() throws IOException {
        Map<NodeId, Address> members = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) {
            members.put(NodeId.of("kv" + i), new Address("127.0.0.1", 47_100 + i));
        }
        String root = "/mem/kv-cluster-test/" + UUID.randomUUID();
        Map<String, InetSocketAddress> clientAddresses = new LinkedHashMap<>();
        for (NodeId id : members.keySet()) {
            Config config = Config.builder(id, members).logStore("memory").transport("memory")
                    .dataDir(Path.of(root, id.value())).electionTimeoutTicks(40, 80).snapshotThreshold(20).build();
            KvServer server = KvServer.start(config, new InetSocketAddress("127.0.0.1", 0));
            servers.put(id.value(), server);
            clientAddresses.put(id.value(), server.clientAddress());
        }

        try (KvClient client = new KvClient(clientAddresses, Duration.ofSeconds(30))) {
            assertThat(client.put("colour", "blue")).isEmpty();
            assertThat(client.put("colour", "green")).contains("blue");
            assertThat(client.compareAndSet("colour", "blue", "red")).isFalse();
            assertThat(client.compareAndSet("colour", "green", "red")).isTrue();
            assertThat(client.compareAndSet("shape", null, "round")).isTrue();
            assertThat(client.get("colour")).contains("red");
            assertThat(client.delete("shape")).contains("round");
            assertThat(client.get("shape")).isEmpty();
            assertThat(client.get("a key with spaces\nand a newline")).isEmpty();
            assertThat(client.put("a key with spaces\nand a newline", "ünïcödé ~ value")).isEmpty();
            assertThat(client.get("a key with spaces\nand a newline")).contains("ünïcödé ~ value");

            String leader = servers.entrySet().stream().filter(e -> e.getValue().node().role() == Role.LEADER)
                    .map(Map.Entry::getKey).findFirst().orElseThrow();
            servers.remove(leader).close();
            for (int i = 0; i < 30; i++) {
                client.put("counter", Integer.toString(i));
            }
            assertThat(client.get("counter")).contains("29");
            assertThat(client.get("colour")).as("written before the failover").contains("red");
        }
        Optional<KvServer> any = servers.values().stream().findFirst();
        assertThat(any.orElseThrow().node().status().snapshotIndex()).as("the store was snapshotted").isPositive();
    }
}
