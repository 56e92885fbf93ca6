package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the host transport of gRPC does beyond the kit: notices of unknown groups, links kept while
 * any view names their host, resources on close, mutual TLS.
 */
class GrpcHostTransportTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final GroupId G1 = GroupId.of("g1");
    /** Views of other groups naming the same peer host, in the test of links. */
    private static final int OTHER_VIEWS = 1_000;

    @TempDir
    Path dir;

    private final List<GrpcHostTransport> hosts = new ArrayList<>();

    @AfterEach
    void closeHosts() {
        hosts.forEach(GrpcHostTransport::close);
    }

    @Test
    void tellsTheSendingHostWhichGroupTheReceiverDoesNotRun() throws IOException {
        GrpcHostTransport one = start(Map.of());
        GrpcHostTransport two = start(Map.of());
        GroupId lost = GroupId.of("lost");
        Transport sender = view(one, lost, A, members(one, two), new ArrayList<>());
        Poll.until(() -> {
            sender.send(new Heartbeat(A, B, 1, 0, 1)); // repeated: the link connects lazily
            return one.unknownAtPeers().containsKey(lost);
        }, TIMEOUT, () -> "the sending host's notices: " + one.unknownAtPeers());
        assertThat(two.unknownGroups()).containsKey(lost);
        assertThat(two.stats().rejected(RejectReason.UNKNOWN_GROUP)).isPositive();
        assertThat(two.stats().delivered()).isZero();
    }

    @Test
    void aLinkStaysWhileAnyViewNamesItsHostAndComesBackWhenOneDoesAgain() throws IOException {
        GrpcHostTransport one = start(Map.of());
        GrpcHostTransport two = start(Map.of());
        List<RaftMessage> received = new CopyOnWriteArrayList<>();
        Transport kept = view(one, G1, A, members(one, two), new ArrayList<>());
        view(two, G1, B, members(one, two), received);
        List<Transport> others = new ArrayList<>();
        for (int g = 0; g < OTHER_VIEWS; g++) {
            others.add(view(one, GroupId.of("other-" + g), A, members(one, two), new ArrayList<>()));
        }
        others.get(0).updatePeers(Map.of(A, one.options().bindAddress()));
        others.forEach(Transport::close);
        assertDelivers(kept, received, "after every other view that named the host closed or dropped it");

        kept.updatePeers(Map.of(A, one.options().bindAddress()));
        kept.updatePeers(members(one, two));
        assertDelivers(kept, received, "after the last view naming the host dropped it, then named it again");
    }

    /** Sends heartbeats through {@code view} until one more arrives in {@code received}. */
    private static void assertDelivers(Transport view, List<RaftMessage> received, String when) {
        int before = received.size();
        Poll.until(() -> {
            view.send(new Heartbeat(A, B, 1, 0, 1)); // repeated: the link connects lazily
            return received.size() > before;
        }, TIMEOUT, () -> ("nothing arrived " + when).strip());
    }

    @Test
    void closeReleasesTheAddressAndEveryThread() throws IOException {
        GrpcHostTransport one = start(Map.of());
        GrpcHostTransport two = start(Map.of());
        List<RaftMessage> received = new CopyOnWriteArrayList<>();
        Transport sender = view(one, G1, A, members(one, two), new ArrayList<>());
        view(two, G1, B, members(one, two), received);
        assertDelivers(sender, received, "");
        one.close();
        two.close();
        for (GrpcHostTransport host : List.of(one, two)) {
            Address address = host.options().bindAddress();
            try (ServerSocket socket = new ServerSocket(address.port(), 1, InetAddress.getByName(address.host()))) {
                assertThat(socket.isBound()).as("%s is free again", address).isTrue();
            }
        }
        Poll.until(() -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.isAlive() && t.getName().startsWith("raftkit-grpc-host-")),
                TIMEOUT, () -> "host transport threads left after close");
    }

    @Test
    void mutualTlsAcceptsTheMemberIdsTheHostsCertificatesName() throws IOException {
        TestCertificates authority = new TestCertificates(dir, "cluster");
        GrpcHostTransport one = start(tls(authority.issue("a", authority)));
        GrpcHostTransport two = start(tls(authority.issue("b", authority)));
        List<RaftMessage> received = new CopyOnWriteArrayList<>();
        Transport sender = view(one, G1, A, members(one, two), new ArrayList<>());
        view(two, G1, B, members(one, two), received);
        assertDelivers(sender, received, "over mutual TLS");

        NodeId uncertified = NodeId.of("x");
        Transport view = one.group(GroupId.of("g2"), Config.builder(uncertified,
                Map.of(uncertified, one.options().bindAddress(), B, two.options().bindAddress())).build());
        assertThatThrownBy(() -> view.start(message -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(PeerIdentity.URI_PREFIX + "x");
    }

    private GrpcHostTransport start(Map<String, String> options) throws IOException {
        HostConfig.Builder config = HostConfig.builder(TestNode.freeAddress()).clusterId(TestNode.CLUSTER);
        options.forEach(config::option);
        GrpcHostTransport host = new GrpcHostTransport(config.build());
        hosts.add(host);
        host.start();
        return host;
    }

    private static Map<NodeId, Address> members(GrpcHostTransport one, GrpcHostTransport two) {
        return Map.of(A, one.options().bindAddress(), B, two.options().bindAddress());
    }

    private static Transport view(GrpcHostTransport host, GroupId group, NodeId self, Map<NodeId, Address> members,
            List<RaftMessage> received) throws IOException {
        Transport view = host.group(group, Config.builder(self, members).build());
        view.start(received::add);
        return view;
    }

    private static Map<String, String> tls(TestCertificates.NodeFiles files) {
        return Map.of(GrpcTransportOptions.TLS_CERT_CHAIN, files.certChain().toString(),
                GrpcTransportOptions.TLS_PRIVATE_KEY, files.privateKey().toString(),
                GrpcTransportOptions.TLS_TRUST_CERTS, files.trustCerts().toString());
    }
}
