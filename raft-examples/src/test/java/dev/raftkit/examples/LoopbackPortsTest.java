package dev.raftkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

    @Test
    void handsOutDistinctPortsThatCanBeBound() throws Exception {
        List<Integer> ports = LoopbackPorts.distinct(16);

        assertThat(ports).hasSize(16).doesNotHaveDuplicates().allSatisfy(p -> assertThat(p).isPositive());
        try (ServerSocket socket = new ServerSocket(ports.get(0), 1, InetAddress.getLoopbackAddress())) {
            assertThat(socket.getLocalPort()).isEqualTo(ports.get(0));
        }
    }

    @Test
    void refusesANonPositiveCount() {
        assertThatThrownBy(() -> LoopbackPorts.distinct(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("count must be at least 1, was 0");
    }
}
