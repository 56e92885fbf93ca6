package dev.raftkit.testkit.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Checks the memory host transport: groups multiplexed over one address per host. */
class MemoryHostTransportTest {

    private static final Address HOST_A = new Address("host-a", 1);
    private static final Address HOST_B = new Address("host-b", 1);
    private static final GroupId G1 = GroupId.of("g1");
    private static final GroupId G2 = GroupId.of("g2");

    /** Runs deliveries in scheduling order when asked; every delay is treated as zero. */
    private final Queue<Runnable> deliveries = new ArrayDeque<>();
    private final MemoryNetwork network = new MemoryNetwork((delivery, delay) -> deliveries.add(delivery),
            new SplittableRandom(1));
    private final List<String> heard = new ArrayList<>();
    private final List<MemoryHostTransport> hosts = new ArrayList<>();

    @AfterEach
    void closeHosts() {
        hosts.forEach(MemoryHostTransport::close);
    }

    private void deliverAll() {
        for (int i = 0; i < 10_000 && !deliveries.isEmpty(); i++) {
            deliveries.poll().run();
        }
        assertThat(deliveries).as("deliveries left").isEmpty();
    }

    private MemoryHostTransport host(Address address, String clusterId) throws IOException {
        return started(new MemoryHostTransport(network, HostConfig.builder(address).clusterId(clusterId).build()));
    }

    private MemoryHostTransport started(MemoryHostTransport host) throws IOException {
        hosts.add(host);
        host.start();
        return host;
    }

    /** A group config: in group {@code group}, node {@code prefix+"a"} lives on host A, {@code prefix+"b"} on host B. */
    private static Config groupConfig(String prefix, boolean onA) {
        NodeId a = NodeId.of(prefix + "a");
        NodeId b = NodeId.of(prefix + "b");
        return Config.builder(onA ? a : b, Map.of(a, HOST_A, b, HOST_B)).build();
    }

    private Transport view(MemoryHostTransport host, GroupId group, String prefix, boolean onA) throws IOException {
        Transport view = host.group(group, groupConfig(prefix, onA));
        view.start(new MessageHandler() {
            @Override
            public void onMessage(RaftMessage message) {
                heard.add(group + ":" + message.from() + ">" + message.to());
            }

            @Override
            public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
                heard.add(group + ":unknown " + message.from() + "@" + senderAddress);
            }
        });
        return view;
    }

    /** Starts hosts A and B; A runs g1 and g2, B runs g1 and, if asked, g2; returns A's views of g1 and g2. */
    private List<Transport> twoHostsRunningTwoGroups(boolean bRunsG2) throws IOException {
        MemoryHostTransport a = host(HOST_A, "c");
        MemoryHostTransport b = host(HOST_B, "c");
        List<Transport> onA = List.of(view(a, G1, "x", true), view(a, G2, "y", true));
        view(b, G1, "x", false);
        if (bRunsG2) {
            view(b, G2, "y", false);
        }
        return onA;
    }

    private static RaftMessage beat(String from, String to) {
        return new Heartbeat(NodeId.of(from), NodeId.of(to), 1, 0, 0);
    }

    @Test
    void eachGroupHearsOnlyItsOwnMessages() throws IOException {
        List<Transport> onA = twoHostsRunningTwoGroups(true);
        Transport a1 = onA.get(0);
        Transport a2 = onA.get(1);

        a1.send(beat("xa", "xb"));
        a2.send(beat("ya", "yb"));
        a1.send(beat("xa", "xb"));
        deliverAll();

        assertThat(heard).containsExactly("g1:xa>xb", "g2:ya>yb", "g1:xa>xb");
    }

    @Test
    void messageForAGroupTheHostDoesNotRunIsDroppedAndCountedByGroup() throws IOException {
        List<Transport> onA = twoHostsRunningTwoGroups(false);
        Transport a1 = onA.get(0);
        Transport a2 = onA.get(1);

        a2.send(beat("ya", "yb"));
        a2.send(beat("ya", "yb"));
        a1.send(beat("xa", "xb"));
        deliverAll();

        assertThat(heard).containsExactly("g1:xa>xb");
        MemoryHostTransport b = hosts.get(1);
        assertThat(b.unknownGroupDrops(G2)).isEqualTo(2);
        assertThat(b.unknownGroupDrops(G1)).isZero();
    }

    @Test
    void isolatingAHostCutsEveryGroupUntilHealed() throws IOException {
        List<Transport> onA = twoHostsRunningTwoGroups(true);
        Transport a1 = onA.get(0);
        Transport a2 = onA.get(1);

        network.isolateHost(HOST_B);
        a1.send(beat("xa", "xb"));
        a2.send(beat("ya", "yb"));
        deliverAll();
        assertThat(heard).isEmpty();
        assertThat(network.dropped(MemoryNetwork.DropReason.LINK_CUT)).isEqualTo(2);

        network.heal();
        network.partitionHosts(Set.of(HOST_A), Set.of(HOST_B));
        a1.send(beat("xa", "xb"));
        deliverAll();
        assertThat(heard).isEmpty();

        network.heal();
        a1.send(beat("xa", "xb"));
        a2.send(beat("ya", "yb"));
        deliverAll();
        assertThat(heard).containsExactly("g1:xa>xb", "g2:ya>yb");
    }

    @Test
    void viewsKeepTheTransportChecks() throws IOException {
        MemoryHostTransport a = host(HOST_A, "c");
        MemoryHostTransport other = host(HOST_B, "other-cluster");
        MemoryTransport a1 = (MemoryTransport) view(a, G1, "x", true);
        MemoryTransport b1 = (MemoryTransport) view(other, G1, "x", false);

        a1.send(beat("xa", "xb"));
        deliverAll();
        assertThat(heard).isEmpty();
        assertThat(b1.rejected(MemoryTransport.RejectReason.WRONG_CLUSTER)).isEqualTo(1);

        assertThatThrownBy(() -> a1.send(beat("xb", "xa"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownSenderReachesTheGroupWithTheHostAddress() throws IOException {
        MemoryHostTransport a = host(HOST_A, "c");
        MemoryHostTransport b = host(HOST_B, "c");
        view(a, G1, "x", true);
        NodeId stranger = NodeId.of("stranger");
        Transport fromB = b.group(G1, Config.builder(stranger, Map.of(stranger, HOST_B, NodeId.of("xa"), HOST_A))
                .build());
        fromB.start(m -> { });

        fromB.send(beat("stranger", "xa"));
        deliverAll();

        assertThat(heard).containsExactly("g1:unknown stranger@" + HOST_B);
    }

    @Test
    void sizeLimitOfTheHostAppliesToEveryGroup() throws IOException {
        MemoryHostTransport a = host(HOST_A, "c");
        MemoryHostTransport b = started(new MemoryHostTransport(network, HostConfig.builder(HOST_B).clusterId("c")
                .option(MemoryTransport.MAX_MESSAGE_BYTES_OPTION, "1").build()));
        Transport a1 = view(a, G1, "x", true);
        MemoryTransport b1 = (MemoryTransport) view(b, G1, "x", false);

        a1.send(beat("xa", "xb"));
        deliverAll();

        assertThat(heard).isEmpty();
        assertThat(b.maxMessageBytes()).isEqualTo(1);
        assertThat(b1.rejected(MemoryTransport.RejectReason.TOO_LARGE)).isEqualTo(1);
    }

    @Test
    void singleNodeAndHostMessagesDoNotMix() throws IOException {
        MemoryHostTransport a = host(HOST_A, "c");
        Transport a1 = view(a, G1, "x", true);
        NodeId xb = NodeId.of("xb");
        MemoryTransport single = new MemoryTransport(network, xb, HOST_B, "c", Map.of(NodeId.of("xa"), HOST_A), 1024);
        single.start(m -> heard.add("single:" + m.from()));

        a1.send(beat("xa", "xb"));
        single.send(beat("xb", "xa"));
        deliverAll();

        assertThat(heard).isEmpty();
        assertThat(single.rejected(MemoryTransport.RejectReason.WRONG_RECIPIENT)).isEqualTo(1);
        assertThat(a.untaggedDrops()).isEqualTo(1);
        single.close();
    }

    @Test
    void groupViewLifecycle() throws IOException {
        MemoryHostTransport a = host(HOST_A, "c");
        Transport first = a.group(G1, groupConfig("x", true));
        assertThatThrownBy(() -> a.group(G1, groupConfig("x", true)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("g1");
        first.close();
        Transport again = a.group(G1, groupConfig("x", true));
        again.start(m -> { });
        assertThatThrownBy(() -> a.start()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new MemoryHostTransport(network, HostConfig.builder(HOST_A).build()).start())
                .isInstanceOf(IOException.class).hasMessageContaining("host-a");

        a.close();
        a.close();
        again.send(beat("xa", "xb"));
        assertThat(((MemoryTransport) again).dropped(MemoryTransport.DropReason.NOT_RUNNING)).isEqualTo(1);
        assertThatThrownBy(() -> a.group(G2, groupConfig("y", true)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
