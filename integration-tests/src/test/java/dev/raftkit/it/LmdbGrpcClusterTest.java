package dev.raftkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.ShutdownException;
import dev.raftkit.it.harness.Ports;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-node cluster of the production modules (raft-core, LMDB storage, gRPC transport) on loopback
 * in one JVM, chosen through ServiceLoader by provider name, serves the write contract.
 */
class LmdbGrpcClusterTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataRoot;

    private final Map<NodeId, Address> members = new TreeMap<>();
    private final Map<NodeId, Node<KvCommand, String>> nodes = new TreeMap<>();
    private final Map<NodeId, KvStateMachine> states = new TreeMap<>();

    @AfterEach
    void closeAll() {
        nodes.values().forEach(Node::close);
    }

    @Test
    void servesWritesReadsAndErrorsAndSurvivesLeaderLoss() throws Exception {
        members.putAll(Ports.nodeAddresses("127.0.0.1", 3));
        members.keySet().forEach(this::start);
        Node<KvCommand, String> leader = awaitLeader();

        for (int i = 0; i < 200; i++) {
            assertThat(leader.write(KvCommand.put("k" + (i % 10), "v" + i)).get(10, TimeUnit.SECONDS)).isEqualTo("OK");
        }
        assertThat(leader.writeBatch(List.of(KvCommand.cas("k0", "v190", "w"), KvCommand.cas("k0", "nope", "x")))
                .get(10, TimeUnit.SECONDS)).containsExactly("true", "false");
        KvStateMachine leaderState = states.get(leader.id());
        assertThat(leader.readLinearizable(() -> leaderState.get("k0")).get(10, TimeUnit.SECONDS)).contains("w");

        Node<KvCommand, String> follower = nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
        await(() -> follower.leader().isPresent());
        assertThatThrownBy(() -> follower.write(KvCommand.put("k", "v")).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(NotLeaderException.class, e -> {
                    assertThat(e.leaderHint()).contains(leader.id());
                    assertThat(e.leaderAddress()).contains(members.get(leader.id()));
                });

        NodeId oldLeader = leader.id();
        CompletableFuture<String> pending = leader.write(KvCommand.put("late", "x"));
        leader.close();
        nodes.remove(oldLeader);
        // The write races the close: it either committed first (then it must survive the failover)
        // or fails with the close's error; it never hangs.
        boolean lateAcknowledged;
        try {
            assertThat(pending.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("OK");
            lateAcknowledged = true;
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOfAny(ShutdownException.class, NotLeaderException.class);
            lateAcknowledged = false;
        }
        Node<KvCommand, String> next = awaitLeader();
        assertThat(next.id()).isNotEqualTo(oldLeader);
        assertThat(next.write(KvCommand.put("after", "failover")).get(10, TimeUnit.SECONDS)).isEqualTo("OK");

        start(oldLeader);
        long commit = next.status().commitIndex();
        Node<KvCommand, String> restarted = nodes.get(oldLeader);
        await(() -> restarted.status().appliedIndex() >= commit);
        KvStateMachine restartedState = states.get(oldLeader);
        KvStateMachine nextState = states.get(next.id());
        Map<String, String> expected = next.readLinearizable(nextState::snapshotOfData).get(10, TimeUnit.SECONDS);
        await(() -> restarted.readLocal(restartedState::snapshotOfData).join().equals(expected));
        assertThat(expected).containsEntry("after", "failover").containsEntry("k0", "w");
        if (lateAcknowledged) {
            assertThat(expected).containsEntry("late", "x");
        }
    }

    private void start(NodeId id) {
        Config config = Config.builder(id, members).dataDir(dataRoot.resolve(id.value())).logStore("lmdb")
                .transport("grpc").clusterId("it-lmdb-grpc").build();
        KvStateMachine state = new KvStateMachine();
        states.put(id, state);
        nodes.put(id, Raft.builder(config).stateMachine(state).codec(KvCommand.CODEC).start());
    }

    private Node<KvCommand, String> awaitLeader() {
        Node<KvCommand, String>[] found = new Node[1];
        await(() -> {
            Optional<Node<KvCommand, String>> leader = nodes.values().stream()
                    .filter(n -> n.role() == Role.LEADER).findFirst();
            leader.ifPresent(l -> found[0] = l);
            return leader.isPresent();
        });
        return found[0];
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WAIT);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
