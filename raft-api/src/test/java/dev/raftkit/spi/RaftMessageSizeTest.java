package dev.raftkit.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The size estimate transports bound their queues and frames with. */
class RaftMessageSizeTest {

    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");

    @Test
    void anAppendCountsEveryEntry() {
        List<LogEntry> entries = List.of(new LogEntry(1, 1, EntryKind.COMMAND, new byte[100]),
                new LogEntry(2, 1, EntryKind.COMMAND, new byte[1000]));
        AppendEntries append = new AppendEntries(A, B, 1, 0, 0, entries, 0);

        assertThat(append.sizeBytes()).isEqualTo(64 + entries.get(0).sizeBytes() + entries.get(1).sizeBytes());
    }

    @Test
    void aSnapshotChunkCountsItsData() {
        Membership membership = new Membership(1, Map.of(A, Address.parse("127.0.0.1:7001")), Map.of());
        SnapshotMeta meta = new SnapshotMeta(5, 1, membership, 4096, 0);
        InstallSnapshot chunk = new InstallSnapshot(A, B, 1, meta, 0, new byte[4096], true);

        assertThat(chunk.sizeBytes()).isEqualTo(64 + 4096);
    }

    @Test
    void otherMessagesCountTheirFixedFields() {
        assertThat(new Heartbeat(A, B, 1, 0, 0).sizeBytes()).isEqualTo(64);
        assertThat(new AppendEntries(A, B, 1, 0, 0, List.of(), 0).sizeBytes()).isEqualTo(64);
    }
}
