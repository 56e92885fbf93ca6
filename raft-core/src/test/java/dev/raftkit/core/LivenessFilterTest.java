package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link LivenessFilter}: a liveness heartbeat names its host by the address the group's own
 * configuration gives the sending member, whatever address that host listens on, and never reaches
 * the driver; every other message does, and tells the host that its sender's host is up where
 * groups quiesce.
 */
class LivenessFilterTest {

    private static final NodeId SELF = NodeId.of("n1");
    private static final NodeId PEER = NodeId.of("n2");
    /** How this group reaches n2: through a proxy, not at the address n2's host listens on. */
    private static final Address PEER_THROUGH_PROXY = new Address("127.0.0.1", 21002);

    private final List<RaftMessage> toDriver = new ArrayList<>();
    private final List<String> heard = new ArrayList<>();
    private final List<Address> traffic = new ArrayList<>();
    private final MessageHandler driver = new MessageHandler() {
        @Override
        public void onMessage(RaftMessage message) {
            toDriver.add(message);
        }

        @Override
        public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
            toDriver.add(message);
        }
    };
    private final LivenessFilter.Sink sink = new LivenessFilter.Sink() {
        @Override
        public void heard(Address host, long incarnation) {
            heard.add(host + "#" + incarnation);
        }

        @Override
        public void traffic(Address host) {
            traffic.add(host);
        }
    };
    private final LivenessFilter filter = filter(true);

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

    @Test
    void everyOtherMessageFromAMemberIsTrafficOfItsConfiguredHost() {
        filter.onMessage(new Heartbeat(PEER, SELF, 3, 10, 1));
        filter.onMessage(new RequestVote(NodeId.of("n9"), SELF, 4, 10, 3, false, false));
        filter.onMessageFromUnknownSender(new Heartbeat(PEER, SELF, 3, 10, 1), new Address("10.0.0.9", 7000));
        assertThat(traffic).as("once, under the configured address; not for a stranger")
                .containsExactly(PEER_THROUGH_PROXY);
        assertThat(toDriver).hasSize(3);
    }

    @Test
    void whereGroupsDoNotQuiesceNoTrafficIsNoted() {
        filter(false).onMessage(new Heartbeat(PEER, SELF, 3, 10, 1));
        assertThat(traffic).isEmpty();
        assertThat(toDriver).hasSize(1);
    }

    private LivenessFilter filter(boolean notesTraffic) {
        return new LivenessFilter(driver, member -> Optional.ofNullable(Map.of(PEER, PEER_THROUGH_PROXY).get(member)),
                sink, notesTraffic);
    }
}
