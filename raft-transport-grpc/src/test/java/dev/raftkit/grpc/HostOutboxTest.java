package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import dev.raftkit.grpc.proto.Batch;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The host's outbound queues: batching, fairness between groups, per-group bounds and the frame size bound. */
class HostOutboxTest {

    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final GroupId G1 = GroupId.of("g1");
    private static final GroupId G2 = GroupId.of("g2");
    private static final GroupId G3 = GroupId.of("g3");
    private static final int LIMIT = 64 * 1024;

    private final Counters counters = new Counters();

    @Test
    void sendsEverythingQueuedInOneFrameTakingOneMessageOfEachGroupInTurn() throws Exception {
        HostOutbox outbox = outbox(Map.of());
        for (int i = 0; i < 5; i++) {
            outbox.offer(G1, beat(i));
        }
        outbox.offer(G2, beat(100));
        outbox.offer(G3, beat(200));
        outbox.offer(G3, beat(201));

        Batch frame = outbox.next();
        assertThat(frame.getClusterId()).isEqualTo("c");
        assertThat(frame.getFromAddress()).isEqualTo("127.0.0.1:7000");
        assertThat(frame.getMessagesList()).extracting(Envelope::getGroupId)
                .containsExactly("g1", "g2", "g3", "g1", "g3", "g1", "g1", "g1");
        assertThat(frame.getMessagesList()).filteredOn(e -> e.getGroupId().equals("g1"))
                .extracting(e -> WireCodec.decode(e)).containsExactly(beat(0), beat(1), beat(2), beat(3), beat(4));
        assertThat(outbox.next()).isNull();
        assertThat(outbox.isEmpty()).isTrue();
        assertThat(counters.snapshot().sent()).isEqualTo(8);
    }

    @Test
    void boundsEachGroupsQueueOnItsOwn() {
        HostOutbox outbox = outbox(Map.of(GrpcTransportOptions.MAX_QUEUED_MESSAGES, "10"));
        for (int i = 0; i < 1000; i++) {
            outbox.offer(G1, beat(i));
        }
        assertThat(outbox.offer(G2, beat(1))).as("another group's message while the first is full").isTrue();
        assertThat(counters.snapshot().dropped(DropReason.QUEUE_FULL)).isEqualTo(990);
    }

    @Test
    void splitsFramesAtTheSizeLimitAndDropsAMessageThatCannotFit() throws Exception {
        HostOutbox outbox = outbox(Map.of());
        outbox.offer(G1, append(1, LIMIT / 3));
        outbox.offer(G2, append(1, LIMIT + 1));
        outbox.offer(G1, append(2, LIMIT / 3));
        outbox.offer(G1, append(3, LIMIT / 3));

        List<Batch> frames = new ArrayList<>();
        for (Batch frame; (frame = outbox.next()) != null; ) {
            frames.add(frame);
        }
        assertThat(frames).allMatch(frame -> frame.getSerializedSize() <= LIMIT);
        assertThat(frames).hasSize(2);
        List<RaftMessage> sent = new ArrayList<>();
        for (Batch frame : frames) {
            for (Envelope envelope : frame.getMessagesList()) {
                sent.add(WireCodec.decode(envelope));
            }
        }
        assertThat(sent).containsExactly(append(1, LIMIT / 3), append(2, LIMIT / 3), append(3, LIMIT / 3));
        assertThat(counters.snapshot().dropped(DropReason.TOO_LARGE)).isEqualTo(1);
    }

    @Test
    void closingDropsAndCountsWhatIsQueuedAndWhatComesLater() {
        HostOutbox outbox = outbox(Map.of());
        outbox.offer(G1, beat(1));
        outbox.offer(G2, beat(2));
        outbox.removeGroup(G2);
        outbox.close();
        assertThat(outbox.offer(G1, beat(3))).isFalse();
        assertThat(counters.snapshot().dropped(DropReason.LINK_CLOSED)).isEqualTo(3);
    }

    private HostOutbox outbox(Map<String, String> options) {
        HostConfig.Builder config = HostConfig.builder(new Address("127.0.0.1", 7000))
                .option(GrpcTransportOptions.MAX_MESSAGE_BYTES, Integer.toString(LIMIT));
        options.forEach(config::option);
        return new HostOutbox("host", "peer", "c", "127.0.0.1:7000", GrpcTransportOptions.from(config.build()),
                counters);
    }

    private static Heartbeat beat(long seq) {
        return new Heartbeat(A, B, 1, 0, seq);
    }

    private static AppendEntries append(long index, int size) {
        byte[] payload = new byte[size];
        payload[0] = (byte) index;
        return new AppendEntries(A, B, 1, index - 1, 1, List.of(new LogEntry(index, 1, EntryKind.COMMAND, payload)),
                0);
    }
}
