package dev.raftkit.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.examples.CounterStateMachine;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the guide's samples on a real 3-node cluster in this JVM, with the in-memory log store and
 * transport in place of LMDB and gRPC: what the guide shows works, not only compiles.
 */
class GuideSamplesTest {

    private final String root = "/mem/guide/" + UUID.randomUUID();
    private final Map<NodeId, Node<Long, Long>> nodes = new TreeMap<>();
    private final Map<NodeId, CounterStateMachine> counters = new TreeMap<>();

    @AfterEach
    void close() {
        nodes.values().forEach(Node::close);
    }

    private Config inMemory(Config config) {
        return config.toBuilder().logStore("memory").transport("memory")
                .dataDir(Path.of(root, config.self().value())).electionTimeoutTicks(40, 80).build();
    }

    private void start(Config config) {
        CounterStateMachine counter = new CounterStateMachine();
        counters.put(config.self(), counter);
        nodes.put(config.self(), GettingStarted.start(inMemory(config), counter));
    }

    @Test
    void theGuideSamplesWorkOnARunningCluster() throws Exception {
        for (String id : List.of("n1", "n2", "n3")) {
            start(GettingStarted.config(NodeId.of(id)));
        }
        Node<Long, Long> leader = GettingStarted.awaitLeader(nodes);
        CounterStateMachine counter = counters.get(leader.id());
        assertThat(GettingStarted.addFiveAndRead(leader, counter)).isEqualTo(5);

        NodeId follower = nodes.keySet().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow();
        assertThat(Writes.writeToLeader(nodes, follower, 1L)).as("from a follower, via the hint").isEqualTo(6);
        Throwable refused = nodes.get(follower).write(100L).handle((total, failure) -> failure).join();
        assertThat(Writes.safeToRetry(refused)).as("a write a follower refused: " + refused).isTrue();
        assertThat(Writes.safeToRetry(new IllegalStateException("thrown by apply"))).isFalse();
        assertThat(Writes.addAll(leader, List.of(1L, 2L, 3L))).containsExactly(7L, 9L, 12L);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            assertThat(Writes.writeThenNotify(leader, executor).get(5, TimeUnit.SECONDS)).isEqualTo("total is now 13");
        } finally {
            executor.shutdownNow();
        }
        assertThat(Migration.before(leader).get(5, TimeUnit.SECONDS)).isEqualTo(18);
        assertThat(Migration.after(leader).get(5, TimeUnit.SECONDS)).isEqualTo(23);
        assertThat(Reads.fresh(leader, counter)).isEqualTo(23);
        assertThat(Reads.possiblyStale(nodes.get(follower), counters.get(follower))).isBetween(0L, 23L);
        assertThat(Reads.onThisNode(nodes.get(follower), counters.get(follower))).isEqualTo(23);
        assertThat(Reads.fromTheLease(leader, counter)).isEqualTo(23);
        assertThat(Snapshots.snapshotNow(leader).index()).isPositive();

        NodeId newId = NodeId.of("n4");
        Address newAddress = Address.parse("10.0.0.4:7000");
        Map<NodeId, Address> voters = GettingStarted.config(NodeId.of("n1")).members();
        start(Membership.joiningNode(newId, newAddress, voters, Path.of("/unused")));
        assertThat(Membership.addVoter(leader, newId, newAddress).voters()).containsKey(newId);
        Membership.handOver(leader, newId);
        assertThat(nodes.get(newId).role()).isEqualTo(Role.LEADER);
        assertThat(Reads.fresh(nodes.get(newId), counters.get(newId))).as("the new leader has every write")
                .isEqualTo(23);
    }

    @Test
    void theConfigurationSamplesAreValid() {
        Config base = GettingStarted.config(NodeId.of("n1"));
        assertThat(Configuration.wideAreaTuning(base).electionTimeoutTicksMin()).isEqualTo(20);
        assertThat(Snapshots.snapshotSettings(base).option("raftkit.snapshot.trailingEntries")).contains("4096");
    }
}
