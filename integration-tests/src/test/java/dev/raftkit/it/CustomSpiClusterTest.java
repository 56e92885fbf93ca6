package dev.raftkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.it.harness.Await;
import dev.raftkit.it.harness.Ports;
import dev.raftkit.it.thirdparty.CountingDelayTransport;
import dev.raftkit.it.thirdparty.CountingDelayTransportProvider;
import dev.raftkit.it.thirdparty.FileLogStoreProvider;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real cluster (raft-core) on third-party plug-ins found by ServiceLoader under their own provider
 * names: the {@code file} log store and the {@code counting-delay} transport decorator around gRPC,
 * both written only against raft-api in {@code dev.raftkit.it.thirdparty}.
 */
class CustomSpiClusterTest {

    private static final long DELAY_MILLIS = 20;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataRoot;

    private final Map<NodeId, Address> members = new TreeMap<>(Ports.nodeAddresses("127.0.0.1", 3));
    private final Map<NodeId, Node<KvCommand, String>> nodes = new TreeMap<>();
    private final Map<NodeId, KvStateMachine> states = new TreeMap<>();

    @AfterEach
    void closeAll() {
        nodes.values().forEach(Node::close);
    }

    @Test
    void clusterRunsOnThirdPartyStoreAndTransport() throws Exception {
        members.keySet().forEach(this::start);
        Node<KvCommand, String> leader = awaitLeader();

        long fastest = Long.MAX_VALUE;
        for (int i = 0; i < 30; i++) {
            long start = System.nanoTime();
            assertThat(leader.write(KvCommand.put("k" + (i % 5), "v" + i)).get(10, TimeUnit.SECONDS)).isEqualTo("OK");
            fastest = Math.min(fastest, System.nanoTime() - start);
        }
        // A commit needs an append to reach a follower and its answer to come back: two delayed sends.
        assertThat(Duration.ofNanos(fastest)).isGreaterThanOrEqualTo(Duration.ofMillis(2 * DELAY_MILLIS));
        for (NodeId id : members.keySet()) {
            CountingDelayTransport.Counts counts = CountingDelayTransport.countsOf(id);
            assertThat(counts.sent()).as("messages %s sent", id).isPositive();
            assertThat(counts.received()).as("messages %s received", id).isPositive();
        }

        NodeId follower = members.keySet().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow();
        nodes.remove(follower).close();
        assertThat(leader.write(KvCommand.put("while-down", "x")).get(10, TimeUnit.SECONDS)).isEqualTo("OK");
        start(follower);
        Map<String, String> expected = leader.readLinearizable(states.get(leader.id())::snapshotOfData)
                .get(10, TimeUnit.SECONDS);
        assertThat(expected).containsEntry("while-down", "x").containsEntry("k4", "v29");
        Node<KvCommand, String> restarted = nodes.get(follower);
        KvStateMachine restartedState = states.get(follower);
        Await.value("the restarted follower catching up", WAIT, () -> Optional.of(true)
                .filter(t -> restarted.readLocal(restartedState::snapshotOfData).join().equals(expected)));
    }

    private void start(NodeId id) {
        Config config = Config.builder(id, members).dataDir(dataRoot.resolve(id.value()))
                .logStore(FileLogStoreProvider.NAME).transport(CountingDelayTransportProvider.NAME)
                .option(CountingDelayTransportProvider.DELEGATE, "grpc")
                .option(CountingDelayTransportProvider.DELAY_MILLIS, Long.toString(DELAY_MILLIS))
                .clusterId("it-custom-spi").build();
        KvStateMachine state = new KvStateMachine();
        states.put(id, state);
        nodes.put(id, Raft.builder(config).stateMachine(state).codec(KvCommand.CODEC).start());
    }

    private Node<KvCommand, String> awaitLeader() throws InterruptedException {
        return Await.value("a leader", WAIT,
                () -> nodes.values().stream().filter(n -> n.role() == Role.LEADER).findFirst());
    }
}
