package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link LivenessFilter}: a liveness heartbeat names its host by the address the group's own
 * configuration gives the sending member, whatever address that host listens on, and never reaches
 * the driver; every other message does.
 */
class LivenessFilterTest {

    private static final NodeId SELF = NodeId.of("n1");
    private static final NodeId PEER = NodeId.of("n2");
    /** How this group reaches n2: through a proxy, not at the address n2's host listens on. */
    private static final Address PEER_THROUGH_PROXY = new Address("127.0.0.1", 21002);

    private final List<RaftMessage> toDriver = new ArrayList<>();
    private final List<String> heard = new ArrayList<>();
    private final LivenessFilter filter = new LivenessFilter(new MessageHandler() {
        @Override
        public void onMessage(RaftMessage message) {
            toDriver.add(message);
        }

        @Override
        public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
            toDriver.add(message);
        }
    }, member -> Optional.ofNullable(Map.of(PEER, PEER_THROUGH_PROXY).get(member)),
            (host, incarnation) -> heard.add(host + "#" + incarnation));

    @Test
    void aLivenessHeartbeatNamesItsHostByTheMembersConfiguredAddressAndSkipsTheDriver() {
        filter.onMessage(Heartbeat.liveness(PEER, SELF, 42));
        assertThat(heard).containsExactly(PEER_THROUGH_PROXY + "#42");
        assertThat(toDriver).isEmpty();
    }

    @Test
    void aLivenessHeartbeatFromOutsideTheConfigurationIsDropped() {
        filter.onMessage(Heartbeat.liveness(NodeId.of("n9"), SELF, 42));
        filter.onMessageFromUnknownSender(Heartbeat.liveness(NodeId.of("n9"), SELF, 42), new Address("10.0.0.9", 7000));
        assertThat(heard).isEmpty();
        assertThat(toDriver).isEmpty();
    }

    @Test
    void everyOtherMessageGoesToTheDriver() {
        Heartbeat leaders = new Heartbeat(PEER, SELF, 3, 10, 1);
        filter.onMessage(leaders);
        filter.onMessageFromUnknownSender(leaders, new Address("10.0.0.9", 7000));
        assertThat(toDriver).containsExactly(leaders, leaders);
        assertThat(heard).isEmpty();
    }
}
