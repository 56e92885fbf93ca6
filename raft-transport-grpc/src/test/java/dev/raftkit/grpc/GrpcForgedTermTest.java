package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, item 1, at the wire: a peer that sends a term above {@link RaftMessage#MAX_TERM} (one
 * forged heartbeat of term {@link Long#MAX_VALUE} once wedged a whole cluster) has its message
 * rejected as an invalid field and counted, and the handler never sees it.
 */
class GrpcForgedTermTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final long FORGED = Long.MAX_VALUE;

    private final Map<NodeId, Address> members = Map.of(A, TestNode.freeAddress(), B, TestNode.freeAddress());
    private TestNode a;
    private TestNode b;

    @AfterEach
    void tearDown() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void aFrameWithATermAboveTheBoundIsRejectedCountedAndNeverDelivered() throws Exception {
        a = TestNode.start(A, members, Map.of());
        b = TestNode.start(B, members, Map.of());
        a.sendUntilDelivered(b, 1, TIMEOUT);
        long invalidBefore = b.transport.stats().rejected(RejectReason.INVALID_FIELD);

        List<RaftMessage> forged = List.of(
                new Heartbeat(A, B, FORGED, 0, 2),
                new Heartbeat(A, B, RaftMessage.MAX_TERM + 1, 0, 3),
                new RequestVote(A, B, 5, 10, FORGED, false, false),
                new AppendEntries(A, B, 5, 0, FORGED, List.of(), 0),
                new AppendEntries(A, B, 5, 0, 0, List.of(new LogEntry(1, FORGED, EntryKind.COMMAND, new byte[1])), 0),
                new AppendEntriesResponse(A, B, 5, false, 3, 2, FORGED));
        forged.forEach(a.transport::send);
        a.sendUntilDelivered(b, 4, TIMEOUT); // one stream, in order: the forged ones were handled before it

        assertThat(b.transport.stats().rejected(RejectReason.INVALID_FIELD) - invalidBefore)
                .as("forged frames counted as invalid: %s", b.transport.stats()).isEqualTo(forged.size());
        assertThat(b.received).as("the handler saw only the legitimate heartbeats")
                .allMatch(m -> m instanceof Heartbeat beat && beat.term() == 1);
    }
}
