package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.StateMachine;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.NodeSetup;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A follower on one node in virtual time makes the entries it acknowledges durable on its driver
 * thread while its storage thread is idle, and sends the acknowledgement only once that persist
 * returned. {@link StorageWriterTest} covers the writer's other cases.
 */
class FollowerPersistTest {

    private static final NodeId SELF = NodeId.of("n1");
    private static final NodeId LEADER = NodeId.of("n2");

    /** A sent message and how many persists the store had made when it was sent. */
    private record Sent(RaftMessage message, int persistsBefore) {
    }

    private final ManualRuntime runtime = new ManualRuntime();
    private final TestLogStore store = new TestLogStore();
    private final List<Sent> sent = new ArrayList<>();
    private MessageHandler handler;
    private final RaftNode<String, String> node;

    FollowerPersistTest() {
        Map<NodeId, Address> members = Map.of(SELF, Address.parse("127.0.0.1:1"), LEADER,
                Address.parse("127.0.0.1:2"), NodeId.of("n3"), Address.parse("127.0.0.1:3"));
        Config config = Config.builder(SELF, members).tickInterval(Duration.ofMillis(10)).snapshotThreshold(0).build();
        node = RaftNode.start(new NodeSetup<>(config, new NoSnapshots(), Codec.utf8(), store, new RecordingTransport(),
                Optional.of(runtime), List.of(), Optional.empty()));
        runtime.settle();
    }

    @AfterEach
    void close() {
        runtime.queue("raft-notify").execute(node::close);
        runtime.settle();
    }

    @Test
    void anAcknowledgementIsPersistedOnTheDriverThreadWhileTheStorageThreadIsIdle() {
        runtime.hold("raft-storage");
        handler.onMessage(append(1));
        runtime.settle();

        assertThat(store.persists()).as("persisted without the storage thread").isEqualTo(1);
        assertThat(acknowledgements()).singleElement().satisfies(ack -> {
            assertThat(((AppendEntriesResponse) ack.message()).index()).isEqualTo(1);
            assertThat(ack.persistsBefore()).as("sent after the persist").isEqualTo(1);
        });
    }

    private List<Sent> acknowledgements() {
        return sent.stream().filter(s -> s.message() instanceof AppendEntriesResponse r && r.success()).toList();
    }

    private static AppendEntries append(long index) {
        LogEntry entry = new LogEntry(index, 1, EntryKind.COMMAND, ("c" + index).getBytes(StandardCharsets.UTF_8));
        return new AppendEntries(LEADER, SELF, 1, index - 1, index == 1 ? 0 : 1, List.of(entry), 0);
    }

    private final class RecordingTransport implements Transport {
        @Override
        public void start(MessageHandler messageHandler) {
            handler = messageHandler;
        }

        @Override
        public void updatePeers(Map<NodeId, Address> peers) {
        }

        @Override
        public void send(RaftMessage message) {
            sent.add(new Sent(message, store.persists()));
        }

        @Override
        public void close() {
        }
    }

    private static final class NoSnapshots implements StateMachine<String, String> {
        @Override
        public String apply(long index, String command) {
            return command;
        }

        @Override
        public void writeSnapshot(OutputStream out) {
            throw new UnsupportedOperationException("snapshots are off in this test");
        }

        @Override
        public void restoreSnapshot(InputStream in) {
            throw new UnsupportedOperationException("snapshots are off in this test");
        }
    }
}
