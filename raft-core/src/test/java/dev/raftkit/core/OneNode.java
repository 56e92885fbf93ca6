package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.StateMachine;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.NodeSetup;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * One node of a one-node cluster on a {@link ManualRuntime}, for tests of the driver's and the
 * applier's own rules: its state machine records every apply in {@link #events}, and
 * {@link #track} records when a future completes, so a test sees the order of the two.
 */
final class OneNode {

    /** A command that makes {@code apply} throw an IllegalStateException, which fails its writer only. */
    static final String REFUSED = "refused";
    /** A command that makes {@code apply} throw an Error, which kills the apply thread. */
    static final String FATAL = "fatal";

    static final NodeId ID = NodeId.of("n1");

    final ManualRuntime runtime = new ManualRuntime();
    final TestLogStore store = new TestLogStore();
    final QuietTransport transport = new QuietTransport();
    /** What happened, in order: {@code applied <command>} and {@code answered <command>}. */
    final List<String> events = new ArrayList<>();
    final RaftNode<String, String> node;

    OneNode() {
        this(UnaryOperator.identity(), Optional.empty());
    }

    /**
     * @param tuning adjusts the configuration
     * @param responseCodec the response codec, which sessions need
     */
    OneNode(UnaryOperator<Config.Builder> tuning, Optional<Codec<String>> responseCodec) {
        Config config = tuning.apply(Config.builder(ID, Map.of(ID, Address.parse("127.0.0.1:1")))
                .tickInterval(Duration.ofMillis(10))
                .snapshotThreshold(0))
                .build();
        node = RaftNode.start(new NodeSetup<>(config, new RecordingStateMachine(), Codec.utf8(), store, transport,
                Optional.of(runtime), List.of(), responseCodec));
    }

    /** Lets election timeouts pass until this node leads. */
    OneNode elected() {
        for (int i = 0; i < 100 && node.role() != Role.LEADER; i++) {
            runtime.advance(Duration.ofMillis(10).toNanos());
        }
        if (node.role() != Role.LEADER) {
            throw new AssertionError("n1 did not become leader: " + node.status());
        }
        return this;
    }

    /** Writes {@code command} and records in {@link #events} when the write is answered. */
    CompletableFuture<String> write(String command) {
        return track(command, node.write(command));
    }

    <T> CompletableFuture<T> track(String what, CompletableFuture<T> future) {
        future.whenComplete((r, e) -> events.add("answered " + what));
        return future;
    }

    /** Closes the node from one of its own threads, as a listener may, so the test thread never waits. */
    void closeFromNodeThread() {
        runtime.queue("raft-notify").execute(node::close);
        runtime.settle();
    }

    /** {@return what {@code future} failed with}, failing the test if it did not fail */
    static Throwable failureOf(CompletableFuture<?> future) {
        if (!future.isCompletedExceptionally()) {
            throw new AssertionError("expected a failed future, got " + future);
        }
        return future.handle((r, e) -> e).join();
    }

    private final class RecordingStateMachine implements StateMachine<String, String> {
        @Override
        public String apply(long index, String command) {
            events.add("applied " + command);
            if (command.equals(REFUSED)) {
                throw new IllegalStateException("refused at index " + index);
            }
            if (command.equals(FATAL)) {
                throw new InternalError("fatal at index " + index);
            }
            return command + "@" + index;
        }

        @Override
        public void writeSnapshot(OutputStream out) {
            throw new UnsupportedOperationException("snapshots are off in these tests");
        }

        @Override
        public void restoreSnapshot(InputStream in) {
            throw new UnsupportedOperationException("snapshots are off in these tests");
        }
    }

    /**
     * A transport with no peers to reach; it can be told to throw when the driver updates its peers,
     * or to drop what is sent to peers a test added (which never answer).
     */
    static final class QuietTransport implements Transport {
        boolean throwOnUpdatePeers;
        boolean dropSends;
        boolean closed;

        @Override
        public void start(MessageHandler handler) {
        }

        @Override
        public void updatePeers(Map<NodeId, Address> peers) {
            if (throwOnUpdatePeers) {
                throw new IllegalStateException("updatePeers broke");
            }
        }

        @Override
        public void send(RaftMessage message) {
            if (!dropSends) {
                throw new AssertionError("a one-node cluster sends nothing, but got " + message);
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
