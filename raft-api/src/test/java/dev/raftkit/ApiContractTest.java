package dev.raftkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Written only against the contract in API.md, as a user's program would be: it must compile
 * against raft-api unchanged. Without an engine on the class path, starting fails with the message
 * API.md promises.
 */
class ApiContractTest {

    /** The seed's counter example: a command is a delta. */
    record CountCmd(long delta) {
        static final Codec<CountCmd> CODEC = Codec.of(c -> ByteBuffer.allocate(8).putLong(c.delta).array(),
                b -> new CountCmd(ByteBuffer.wrap(b).getLong()));
    }

    static final class Counter implements StateMachine<CountCmd, Long> {
        private long value;

        @Override
        public Long apply(long index, CountCmd command) {
            value += command.delta();
            return value;
        }

        @Override
        public void writeSnapshot(OutputStream out) throws IOException {
            new DataOutputStream(out).writeLong(value);
        }

        @Override
        public void restoreSnapshot(InputStream in) throws IOException {
            value = new DataInputStream(in).readLong();
        }
    }

    @Test
    void aProgramWrittenAgainstTheContractCompilesAndNamesTheMissingEngine() {
        NodeId self = NodeId.of("n1");
        Map<NodeId, Address> members = Map.of(self, Address.parse("127.0.0.1:7001"),
                NodeId.of("n2"), Address.parse("127.0.0.1:7002"), NodeId.of("n3"), Address.parse("127.0.0.1:7003"));
        Config config = Config.builder(self, members)
                .tickInterval(Duration.ofMillis(10)).electionTimeoutTicks(15, 30).heartbeatIntervalTicks(3)
                .maxBatchDelayTicks(0).maxBatchEntries(64).maxInflightWrites(1000).preVote(true).checkQuorum(true)
                .snapshotThreshold(10_000).clusterId("demo").dataDir(Path.of("/tmp/raftkit-api-test"))
                .logStore("lmdb").transport("grpc").option("lmdb.mapSize", "64MiB").joinExisting(false)
                .build();
        Config copy = config.toBuilder().build();
        assertThat(copy.members()).isEqualTo(config.members());

        assertThatThrownBy(() -> {
            Node<CountCmd, Long> node = Raft.builder(config).stateMachine(new Counter()).codec(CountCmd.CODEC).start();
            use(node);
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("dev.raftkit:raft-core");
    }

    /** Every Node method of API.md, with its exact types; never run (there is no engine here). */
    @SuppressWarnings({"removal", "unused"})
    private static void use(Node<CountCmd, Long> node) throws Exception {
        NodeId id = node.id();
        CompletableFuture<Long> written = node.write(new CountCmd(1));
        CompletableFuture<Long> proposed = node.propose(new CountCmd(1));
        CompletableFuture<List<Long>> batch = node.writeBatch(List.of(new CountCmd(1), new CountCmd(2)));
        CompletableFuture<String> read = node.readLinearizable(() -> "x");
        CompletableFuture<Integer> local = node.readLocal(() -> 1);
        Optional<NodeId> leader = node.leader();
        Role role = node.role();
        NodeStatus status = node.status();
        long term = status.term() + status.commitIndex() + status.appliedIndex() + status.lastLogIndex()
                + status.snapshotIndex();
        node.addListener(new NodeListener() {
        });
        CompletableFuture<Void> transfer = node.transferLeadership(NodeId.of("n2"));
        CompletableFuture<Membership> added = node.addVoter(NodeId.of("n4"), Address.parse("h:1"));
        CompletableFuture<Membership> learner = node.addLearner(NodeId.of("n5"), Address.parse("h:2"));
        CompletableFuture<Membership> removed = node.removeMember(NodeId.of("n5"));
        CompletableFuture<SnapshotInfo> snapshot = node.snapshot();
        try {
            written.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof NotLeaderException notLeader) {
                Optional<NodeId> hint = notLeader.leaderHint();
                Optional<Address> where = notLeader.leaderAddress();
            } else if (e.getCause() instanceof RaftException raft) {
                String kind = switch (raft.getClass().getSimpleName()) {
                    case "NoLeaderException", "BusyException" -> "retry";
                    default -> "stop";
                };
            }
        }
        node.close();
    }
}
