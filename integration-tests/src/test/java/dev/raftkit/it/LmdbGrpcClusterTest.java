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
import java.util.function.UnaryOperator;
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

    /**
     * Issue 15: a 17 MiB command, over the transport's 16 MiB frame, used to be appended and then
     * stall every later write. Now it fails at once, naming maxCommandBytes, and appends nothing.
     */
    @Test
    void aCommandOverMaxCommandBytesFailsAtOnceAndLaterWritesGoOn() throws Exception {
        members.putAll(Ports.nodeAddresses("127.0.0.1", 3));
        members.keySet().forEach(this::start);
        Node<KvCommand, String> leader = awaitLeader();
        assertThat(leader.write(KvCommand.put("before", "v")).get(10, TimeUnit.SECONDS)).isEqualTo("OK");
        long lastIndex = leader.status().lastLogIndex();

        CompletableFuture<String> refused = leader.write(putOfEncodedSize(17 << 20));

        assertThat(refused).isCompletedExceptionally();
        assertThatThrownBy(refused::get).cause().isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("over maxCommandBytes (" + Config.DEFAULT_MAX_COMMAND_BYTES + ")");
        assertThat(leader.status().lastLogIndex()).isEqualTo(lastIndex);
        for (int i = 0; i < 20; i++) {
            assertThat(leader.write(KvCommand.put("after" + i, "v")).get(10, TimeUnit.SECONDS)).isEqualTo("OK");
        }
        assertThat(leader.status().lastLogIndex()).as("only the later writes were appended").isEqualTo(lastIndex + 20);
    }

    /**
     * A command of 15 MiB, the limit raised close to gRPC's 16 MiB frame, replicates to every node.
     * Heartbeats queue behind such a message, so the election timeout is raised well above the
     * time a shared test machine may take to carry and persist it.
     */
    @Test
    void aCommandAtARaisedLimitNearTheTransportsReplicates() throws Exception {
        int limit = 15 << 20;
        members.putAll(Ports.nodeAddresses("127.0.0.1", 3));
        members.keySet().forEach(id -> start(id, b -> b.maxCommandBytes(limit).electionTimeoutTicks(300, 600)));
        Node<KvCommand, String> leader = awaitLeader();

        assertThat(leader.write(putOfEncodedSize(limit)).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("OK");
        long applied = leader.status().appliedIndex();
        for (Node<KvCommand, String> node : nodes.values()) {
            await(() -> node.status().appliedIndex() >= applied);
            assertThat(node.readLocal(() -> states.get(node.id()).get("big").map(String::length)).join())
                    .contains(limit - encodedOverhead());
        }
        assertThat(leader.write(putOfEncodedSize(limit + 1))).isCompletedExceptionally();
    }

    /** A maxCommandBytes that gRPC's frame cannot carry in one message stops the node at start. */
    @Test
    void aMaxCommandBytesOverTheTransportsLimitFailsAtStart() {
        members.putAll(Ports.nodeAddresses("127.0.0.1", 1));
        NodeId id = members.keySet().iterator().next();
        assertThatThrownBy(() -> start(id, b -> b.maxCommandBytes(16 << 20)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxCommandBytes (" + (16 << 20) + ") does not fit")
                .hasMessageContaining("maxMessageBytes (" + (16 << 20) + ", e.g. grpc.maxMessageBytes)");
    }

    /** {@return a put of key "big" whose encoded size is exactly {@code bytes}} */
    private static KvCommand putOfEncodedSize(int bytes) {
        KvCommand command = KvCommand.put("big", "x".repeat(bytes - encodedOverhead()));
        assertThat(KvCommand.CODEC.encode(command)).hasSize(bytes);
        return command;
    }

    private static int encodedOverhead() {
        return KvCommand.CODEC.encode(KvCommand.put("big", "")).length;
    }

    private void start(NodeId id) {
        start(id, UnaryOperator.identity());
    }

    private void start(NodeId id, UnaryOperator<Config.Builder> tuning) {
        Config config = tuning.apply(Config.builder(id, members).dataDir(dataRoot.resolve(id.value())).logStore("lmdb")
                .transport("grpc").clusterId("it-lmdb-grpc")).build();
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
