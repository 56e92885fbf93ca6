package dev.raftkit.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.Transport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the core's byte budgets follow from maxCommandBytes and the transport's stated limit. */
class CoreOptionsTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final long MIB = 1 << 20;

    private static Config.Builder config() {
        return Config.builder(N1, Map.of(N1, Address.parse("127.0.0.1:9001")));
    }

    /** What an AppendEntries of one command of {@code bytes} measures. */
    private static long oneCommandMessage(int bytes) {
        LogEntry entry = new LogEntry(1, 1, EntryKind.COMMAND, new byte[bytes]);
        return new AppendEntries(N1, N1, 1, 0, 0, List.of(entry), 0).sizeBytes();
    }

    @Test
    void aLargeTransportKeepsTheDefaultBudgets() {
        CoreOptions options = CoreOptions.of(config().build(), 16 * MIB);
        assertThat(options.maxAppendBytes()).isEqualTo(CoreOptions.DEFAULT_MAX_APPEND_BYTES);
        assertThat(options.snapshotChunkBytes()).isEqualTo(CoreOptions.DEFAULT_SNAPSHOT_CHUNK_BYTES);
    }

    @Test
    void aSmallTransportCapsAppendsAndChunksAtHalfOfWhatItCarries() {
        long limit = 64 * 1024;
        Config config = config().maxCommandBytes(1024).option(CoreOptions.SNAPSHOT_CHUNK_BYTES, "1000000").build();
        CoreOptions options = CoreOptions.of(config, limit);
        long half = (limit - Transport.ENVELOPE_RESERVE_BYTES) / 2;
        assertThat(options.maxAppendBytes()).isEqualTo(half);
        assertThat(options.snapshotChunkBytes()).isEqualTo((int) half);
    }

    @Test
    void aCommandThatFillsTheTransportsMessageExactlyIsAccepted() {
        long limit = 64 * 1024;
        int fits = (int) (limit - Transport.ENVELOPE_RESERVE_BYTES - oneCommandMessage(0));
        assertThat(oneCommandMessage(fits)).isEqualTo(limit - Transport.ENVELOPE_RESERVE_BYTES);
        CoreOptions.of(config().maxCommandBytes(fits).build(), limit);

        assertThatThrownBy(() -> CoreOptions.of(config().maxCommandBytes(fits + 1).build(), limit))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxCommandBytes (" + (fits + 1) + ")")
                .hasMessageContaining("maxMessageBytes (" + limit + ", e.g. grpc.maxMessageBytes)");
    }

    @Test
    void theDefaultMaxCommandBytesDoesNotFitATransportOfFourMebibytes() {
        assertThatThrownBy(() -> CoreOptions.of(config().transport("memory").build(), 4 * MIB))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxCommandBytes (" + Config.DEFAULT_MAX_COMMAND_BYTES + ")")
                .hasMessageContaining("transport (memory)")
                .hasMessageContaining("maxMessageBytes (" + 4 * MIB);
    }
}
