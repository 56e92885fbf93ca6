package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import dev.raftkit.spi.Heartbeat;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS: trusted peers talk; a peer with an untrusted certificate or without TLS is refused,
 * and a member's certificate cannot speak for another member.
 */
class GrpcTlsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REFUSAL_WINDOW = Duration.ofSeconds(2);
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final NodeId ROGUE = NodeId.of("rogue");
    private static final NodeId PLAIN = NodeId.of("plain");

    @TempDir
    Path dir;

    private final Map<NodeId, Address> members = Map.of(A, TestNode.freeAddress(), B, TestNode.freeAddress(),
            ROGUE, TestNode.freeAddress(), PLAIN, TestNode.freeAddress());
    private final List<TestNode> nodes = new ArrayList<>();
    private TestCertificates cluster;
    private TestCertificates other;

    @BeforeEach
    void makeCertificateAuthorities() {
        cluster = new TestCertificates(dir, "cluster");
        other = new TestCertificates(dir, "other");
    }

    @AfterEach
    void closeNodes() {
        nodes.forEach(TestNode::close);
    }

    private TestNode start(NodeId id, TestCertificates.NodeFiles files) throws IOException {
        return start(id, members, files == null ? Map.of() : tlsOptions(files));
    }

    private TestNode start(NodeId id, Map<NodeId, Address> view, Map<String, String> options) throws IOException {
        TestNode node = TestNode.start(id, view, options);
        nodes.add(node);
        return node;
    }

    private static Map<String, String> tlsOptions(TestCertificates.NodeFiles files) {
        return Map.of(GrpcTransportOptions.TLS_CERT_CHAIN, files.certChain().toString(),
                GrpcTransportOptions.TLS_PRIVATE_KEY, files.privateKey().toString(),
                GrpcTransportOptions.TLS_TRUST_CERTS, files.trustCerts().toString());
    }

    /**
     * Starts a second node that sends as {@link #A}, from its own address, with a certificate of the
     * trusted authority that speaks for {@code certifiedAs}.
     */
    private TestNode impostorOfA(String certifiedAs, Map<String, String> extraOptions) throws IOException {
        Map<NodeId, Address> view = new HashMap<>(members);
        view.put(A, TestNode.freeAddress());
        Map<String, String> options = new HashMap<>(tlsOptions(cluster.issue(certifiedAs, cluster)));
        options.putAll(extraOptions);
        return start(A, view, options);
    }

    @Test
    void aMembersCertificateCannotSpeakForAnotherMember() throws IOException, InterruptedException {
        TestNode a = start(A, cluster.issue("a", cluster));
        TestNode b = start(B, cluster.issue("b", cluster));
        // ROGUE is a member with a valid certificate for its own id; it runs a node that claims to be a.
        TestNode impostor = impostorOfA("rogue", Map.of(GrpcTransportOptions.TLS_VERIFY_NODE_ID, "false"));
        long forged = 777;
        exchangeFor(REFUSAL_WINDOW, impostor, b, forged);
        a.sendUntilDelivered(b, 5, TIMEOUT); // the real a still gets through
        assertThat(b.received).as("b received a forged message as a").noneMatch(m -> m instanceof Heartbeat beat
                && beat.readSeq() == forged);
        assertThat(b.transport.stats().rejected(RejectReason.WRONG_IDENTITY)).as("b's counters %s",
                b.transport.stats()).isPositive();
    }

    @Test
    void withoutNodeIdVerificationAnyTrustedCertificateSpeaksForAnyNode() throws IOException {
        Map<String, String> off = Map.of(GrpcTransportOptions.TLS_VERIFY_NODE_ID, "false");
        Map<String, String> bOptions = new HashMap<>(tlsOptions(cluster.issue("b", cluster)));
        bOptions.putAll(off);
        TestNode b = start(B, members, bOptions);
        TestNode impostor = impostorOfA("rogue", off);
        impostor.sendUntilDelivered(b, 6, TIMEOUT); // what verifyNodeId (on by default) prevents
    }

    @Test
    void aCertificateThatDoesNotNameItsNodeFailsAtStart() {
        TestCertificates.NodeFiles rogueCertificate = cluster.issue("rogue", cluster);
        assertThatThrownBy(() -> start(A, rogueCertificate)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(PeerIdentity.URI_PREFIX + "a")
                .hasMessageContaining(GrpcTransportOptions.TLS_VERIFY_NODE_ID);
    }

    @Test
    void peersWithCertificatesOfTheTrustedAuthorityTalkBothWays() throws IOException {
        TestNode a = start(A, cluster.issue("a", cluster));
        TestNode b = start(B, cluster.issue("b", cluster));
        a.sendUntilDelivered(b, 1, TIMEOUT);
        b.sendUntilDelivered(a, 2, TIMEOUT);
        assertThat(a.transport.options().tls()).isPresent();
    }

    @Test
    void aPeerWithAnUntrustedCertificateIsRefused() throws IOException, InterruptedException {
        TestNode a = start(A, cluster.issue("a", cluster));
        TestNode b = start(B, cluster.issue("b", cluster));
        // The rogue trusts the cluster's CA, so only b's check of the rogue's certificate stands in its way.
        TestNode rogue = start(ROGUE, other.issue("rogue", cluster));
        exchangeFor(REFUSAL_WINDOW, rogue, b);
        a.sendUntilDelivered(b, 3, TIMEOUT); // the trusted link still works
        assertThat(b.receivedFrom(ROGUE)).as("b received from the rogue: %s", b.received).isFalse();
        assertThat(rogue.received).as("the rogue received from b").isEmpty();
    }

    @Test
    void aPlaintextPeerCannotTalkToATlsNode() throws IOException, InterruptedException {
        TestNode a = start(A, cluster.issue("a", cluster));
        TestNode b = start(B, cluster.issue("b", cluster));
        TestNode plain = start(PLAIN, null);
        exchangeFor(REFUSAL_WINDOW, plain, b);
        a.sendUntilDelivered(b, 4, TIMEOUT); // the TLS link still works
        assertThat(b.receivedFrom(PLAIN)).as("b received from the plaintext peer: %s", b.received).isFalse();
        assertThat(plain.received).as("the plaintext peer received from b").isEmpty();
    }

    @Test
    void incompleteTlsOptionsFailNamingTheMissingOne() {
        Config config = Config.builder(A, members).option(GrpcTransportOptions.TLS_CERT_CHAIN, "x.pem").build();
        assertThatThrownBy(() -> new GrpcTransport(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(GrpcTransportOptions.TLS_CERT_CHAIN);
    }

    /** Sends heartbeats both ways between {@code x} and {@code y} for {@code window}. */
    private static void exchangeFor(Duration window, TestNode x, TestNode y) throws InterruptedException {
        long end = System.nanoTime() + window.toNanos();
        for (long seq = 0; System.nanoTime() < end; seq++) {
            x.transport.send(new Heartbeat(x.id, y.id, 1, 0, seq));
            y.transport.send(new Heartbeat(y.id, x.id, 1, 0, seq));
            Thread.sleep(20);
        }
    }

    /** Sends heartbeats with {@code readSeq} from {@code x} to {@code y} for {@code window}. */
    private static void exchangeFor(Duration window, TestNode x, TestNode y, long readSeq)
            throws InterruptedException {
        long end = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < end) {
            x.transport.send(new Heartbeat(x.id, y.id, 1, 0, readSeq));
            Thread.sleep(20);
        }
    }
}
