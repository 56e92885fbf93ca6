package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.core.protocol.SnapshotChunk;
import dev.raftkit.spi.SnapshotMeta;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** A snapshot received from the leader is timed on the runtime's clock, which the simulator replays. */
class SnapshotReceiverTest {

    @Test
    void timesTheTransferOnTheRuntimesClockOnly() throws IOException {
        byte[] data = "state".getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(data);
        Membership membership = new Membership(0, Map.of(NodeId.of("n1"), Address.parse("127.0.0.1:1")), Map.of());
        SnapshotMeta meta = new SnapshotMeta(7, 2, membership, data.length, crc.getValue());
        List<Long> clockReads = new ArrayList<>();
        List<Boolean> outcomes = new ArrayList<>();
        SnapshotReceiver receiver = new SnapshotReceiver("n1", new TestLogStore(), new Object(),
                (m, installed) -> outcomes.add(installed), () -> {
                    long now = 1_000_000_000L * (clockReads.size() + 1);
                    clockReads.add(now);
                    return now;
                });

        receiver.write(new SnapshotChunk(meta, 0, data, true, false));

        assertThat(outcomes).containsExactly(true);
        assertThat(clockReads).as("read when the first chunk arrives and when the last one commits").hasSize(2);
    }
}
