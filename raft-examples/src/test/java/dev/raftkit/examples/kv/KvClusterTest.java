package dev.raftkit.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three key-value servers in this JVM (in-memory log store and transport, real client sockets on
 * loopback) and a {@link KvClient}: every operation, redirects to the leader, and a failover in the
 * middle of a client's session.
 */
class KvClusterTest {

    private MemoryKvCluster cluster;

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void aClientWritesAndReadsThroughFailover() throws IOException {
        cluster = new MemoryKvCluster(3, 20);

        try (KvClient client = new KvClient(cluster.clientAddresses(), Duration.ofSeconds(30))) {
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

            cluster.stop(cluster.leader());
            for (int i = 0; i < 30; i++) {
                client.put("counter", Integer.toString(i));
            }
            assertThat(client.get("counter")).contains("29");
            assertThat(client.get("colour")).as("written before the failover").contains("red");
        }
        Optional<KvServer> any = cluster.servers().values().stream().findFirst();
        assertThat(any.orElseThrow().node().status().snapshotIndex()).as("the store was snapshotted").isPositive();
    }

    @Test
    void aWriteRetriedOnTheNextLeaderAppliesOnceAndGetsItsFirstResult() throws IOException {
        cluster = new MemoryKvCluster(3, 0);
        String leader = cluster.leader();
        KvServer first = cluster.servers().get(leader);
        String session = LineProtocol.value(LineProtocol.split(first.answer("OPEN")).get(2));
        assertThat(first.answer(LineProtocol.line("PUT", session, "1", "n", "1"))).startsWith("OK true");
        String cas = LineProtocol.line("CAS", session, "2", "n", "1", "2");
        String firstAnswer = first.answer(cas);

        cluster.stop(leader);
        KvServer next = cluster.servers().get(cluster.leader());
        assertThat(next.answer(LineProtocol.line("PUT", session, "3", "n", "other"))).startsWith("OK true");
        String retried = next.answer(cas);

        assertThat(firstAnswer).isEqualTo(LineProtocol.line("OK", "true", "1"));
        assertThat(retried).as("the retry's answer, recorded by the first apply").isEqualTo(firstAnswer);
        assertThat(next.answer(LineProtocol.line("GET", "n"))).as("the retry changed nothing")
                .isEqualTo(LineProtocol.line("OK", "true", "other"));
    }
}
