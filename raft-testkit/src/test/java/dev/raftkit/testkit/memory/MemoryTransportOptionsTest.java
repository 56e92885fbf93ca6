package dev.raftkit.testkit.memory;

import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The memory transport refuses a misspelt {@code memory.*} option instead of ignoring it. */
class MemoryTransportOptionsTest {

    private static final NodeId A = NodeId.of("a");
    private static final Map<NodeId, Address> MEMBERS = Map.of(A, new Address("a.test", 1));

    @Test
    void aMisspeltOptionFailsNamingItAndTheValidOne() {
        Config config = Config.builder(A, MEMBERS).option("memory.maxMesageBytes", "1024").build();
        assertThatThrownBy(() -> new MemoryTransportProvider().open(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory.maxMesageBytes")
                .hasMessageContaining(MemoryTransport.MAX_MESSAGE_BYTES_OPTION);
    }

    @Test
    void optionsOfOtherProvidersAreLeftToThem() {
        Config config = Config.builder(A, MEMBERS).option("grpc.maxMessageBytes", "1024")
                .option(MemoryTransport.MAX_MESSAGE_BYTES_OPTION, "1024").build();
        assertThatNoException().isThrownBy(() -> new MemoryTransportProvider().open(config).close());
    }
}
