package dev.raftkit.testkit.toxiproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ToxiproxyNetwork} over stand-in nodes ({@link PeerStub}): for every ordered pair (X, Y), X
 * dials Y through the proxy X-to-Y, and each test checks, separately, whether X's bytes reach Y and
 * whether Y's greeting reaches X. So every flow is observed twice (on the connection each side
 * opens), and each fault shape must block exactly the flows it names. Subclasses say which Toxiproxy.
 */
abstract class ToxiproxyNetworkContract {

    /** How long a flow is watched before it counts as blocked; data that passes arrives in milliseconds. */
    private static final Duration BLOCKED_AFTER = Duration.ofMillis(500);
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final NodeId C = NodeId.of("c");

    private final AtomicInteger probeCounter = new AtomicInteger();
    private final Map<NodeId, PeerStub> stubs = new TreeMap<>();
    private ExecutorService probes;
    private ToxiproxyNetwork network;

    abstract ToxiproxyEndpoint endpoint();

    @BeforeEach
    void startNodes() throws IOException {
        Map<NodeId, Address> addresses = new LinkedHashMap<>();
        for (NodeId id : List.of(A, B, C)) {
            PeerStub stub = PeerStub.start(id, endpoint().serviceBindHost());
            stubs.put(id, stub);
            addresses.put(id, stub.address());
        }
        network = ToxiproxyNetwork.create(endpoint(), addresses);
        probes = Executors.newFixedThreadPool(6);
    }

    @AfterEach
    void stopNodes() throws IOException {
        probes.shutdownNow();
        network.close();
        for (PeerStub stub : stubs.values()) {
            stub.close();
        }
    }

    /** What one connection from X to Y showed: whether X's bytes reached Y and Y's reached X. */
    private record Probe(NodeId dialer, NodeId target, boolean dialerToTarget, boolean targetToDialer) {
    }

    /** Probes every ordered pair at once: X dials Y for every X and Y. */
    private List<Probe> probeAll() throws Exception {
        List<Future<Probe>> futures = new ArrayList<>();
        for (NodeId x : stubs.keySet()) {
            for (NodeId y : stubs.keySet()) {
                if (!x.equals(y)) {
                    futures.add(probes.submit(() -> probe(x, y)));
                }
            }
        }
        List<Probe> results = new ArrayList<>();
        for (Future<Probe> f : futures) {
            results.add(f.get());
        }
        return results;
    }

    private Probe probe(NodeId dialer, NodeId target) throws IOException, InterruptedException {
        Address via = network.membersFor(dialer).get(target);
        String token = dialer + "-" + target + "-" + probeCounter.incrementAndGet();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(via.host(), via.port()), 5_000);
            socket.setSoTimeout((int) BLOCKED_AFTER.toMillis());
            socket.getOutputStream().write((token + "\n").getBytes(StandardCharsets.UTF_8));
            boolean greeted;
            try {
                String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                greeted = target.value().equals(line);
            } catch (SocketTimeoutException | SocketException e) {
                greeted = false;
            }
            long deadline = System.nanoTime() + BLOCKED_AFTER.toNanos();
            while (!stubs.get(target).received(token) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return new Probe(dialer, target, stubs.get(target).received(token), greeted);
        }
    }

    /** Asserts that the flow X to Y passes exactly when {@code open} says so, on both connections. */
    private void assertFlows(BiPredicate<NodeId, NodeId> open) throws Exception {
        List<String> expected = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (Probe p : probeAll()) {
            String on = " (on " + p.dialer() + "'s connection)";
            expected.add(p.dialer() + "->" + p.target() + on + (open.test(p.dialer(), p.target()) ? " open" : " cut"));
            seen.add(p.dialer() + "->" + p.target() + on + (p.dialerToTarget() ? " open" : " cut"));
            expected.add(p.target() + "->" + p.dialer() + on + (open.test(p.target(), p.dialer()) ? " open" : " cut"));
            seen.add(p.target() + "->" + p.dialer() + on + (p.targetToDialer() ? " open" : " cut"));
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void membersPointPeersAtTheirProxies() {
        Map<NodeId, Address> members = network.membersFor(A);
        assertThat(members).containsOnlyKeys(A, B, C);
        assertThat(members.get(A)).isEqualTo(stubs.get(A).address());
        assertThat(members.get(B)).isEqualTo(network.proxyAddress(A, B)).isNotEqualTo(stubs.get(B).address());
        assertThat(members.get(C)).isEqualTo(network.proxyAddress(A, C));
        Set<Address> proxies = new TreeSet<>((x, y) -> x.toString().compareTo(y.toString()));
        for (NodeId from : network.nodes()) {
            for (NodeId to : network.nodes()) {
                if (!from.equals(to)) {
                    proxies.add(network.proxyAddress(from, to));
                }
            }
        }
        assertThat(proxies).as("one proxy per directed link").hasSize(6);
    }

    @Test
    void withoutFaultsEveryFlowPasses() throws Exception {
        assertFlows((x, y) -> true);
    }

    @Test
    void partitionCutsBothWaysBetweenTheGroupsOnly() throws Exception {
        network.partition(Set.of(A), Set.of(B, C));
        assertFlows((x, y) -> !x.equals(A) && !y.equals(A));
    }

    @Test
    void isolateCutsEveryFlowOfTheNode() throws Exception {
        network.isolate(B);
        assertFlows((x, y) -> !x.equals(B) && !y.equals(B));
    }

    @Test
    void oneWayCutsOnlyThatDirection() throws Exception {
        network.oneWay(A, B);
        assertFlows((x, y) -> !(x.equals(A) && y.equals(B)));
    }

    @Test
    void bridgeKeepsTheBridgeConnectedToBothSides() throws Exception {
        network.bridge(Set.of(A), B, Set.of(C));
        assertFlows((x, y) -> !Set.of(x, y).equals(Set.of(A, C)));
    }

    @Test
    void healRestoresEveryFlow() throws Exception {
        network.partition(Set.of(A), Set.of(B, C));
        network.oneWay(B, C);
        assertThat(network.activeFaults()).hasSize(2);
        network.heal();
        assertThat(network.activeFaults()).isEmpty();
        assertFlows((x, y) -> true);
    }

    @Test
    void healingOneFaultLeavesTheOthers() throws Exception {
        NetworkFault partition = network.partition(Set.of(A), Set.of(B, C));
        network.oneWay(B, C);
        partition.heal();
        partition.heal();
        assertThat(network.activeFaults()).extracting(NetworkFault::description).containsExactly("one-way b -/-> c");
        assertFlows((x, y) -> !(x.equals(B) && y.equals(C)));
    }

    @Test
    void latencyOnALinkDelaysOnlyThatDirection() throws Exception {
        network.latency(A, B, Duration.ofMillis(400), Duration.ZERO);
        Address ab = network.proxyAddress(A, B);
        try (Socket socket = new Socket(ab.host(), ab.port())) {
            socket.setSoTimeout(5_000);
            long start = System.nanoTime();
            String greeting = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            long greetingMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(greeting).isEqualTo("b");
            assertThat(greetingMillis).as("b -> a is not delayed").isLessThan(360);

            start = System.nanoTime();
            socket.getOutputStream().write("delayed\n".getBytes(StandardCharsets.UTF_8));
            while (!stubs.get(B).received("delayed") && System.nanoTime() - start < 5_000_000_000L) {
                Thread.sleep(5);
            }
            assertThat((System.nanoTime() - start) / 1_000_000).as("a -> b is delayed 400 ms").isBetween(360L, 3000L);
        }
    }

    @Test
    void latencyOnANodeDelaysItsIncomingAndOutgoingBytes() throws Exception {
        network.latency(C, Duration.ofMillis(400), Duration.ofMillis(10));
        assertThat(greetingMillis(A, C)).as("c -> a").isBetween(360L, 3000L);
        assertThat(greetingMillis(C, A)).as("a -> c").isBetween(360L, 3000L);
        assertThat(greetingMillis(A, B)).as("b -> a").isLessThan(360L);
    }

    private long greetingMillis(NodeId dialer, NodeId target) throws IOException {
        Address via = network.proxyAddress(dialer, target);
        long start = System.nanoTime();
        try (Socket socket = new Socket(via.host(), via.port())) {
            socket.setSoTimeout(5_000);
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertThat(line).isEqualTo(target.value());
            return (System.nanoTime() - start) / 1_000_000;
        }
    }

    @Test
    void bandwidthLimitsTheLink() throws Exception {
        network.bandwidth(A, B, 100);
        Address ab = network.proxyAddress(A, B);
        try (Socket socket = new Socket(ab.host(), ab.port())) {
            byte[] line = new byte[100_000];
            java.util.Arrays.fill(line, (byte) 'x');
            long start = System.nanoTime();
            socket.getOutputStream().write(line);
            socket.getOutputStream().write("\nafter\n".getBytes(StandardCharsets.UTF_8));
            while (!stubs.get(B).received("after") && System.nanoTime() - start < 5_000_000_000L) {
                Thread.sleep(10);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(stubs.get(B).received("after")).isTrue();
            assertThat(100_000 / 1000.0 / seconds).as("KB/s over %.2f s", seconds).isBetween(80.0, 120.0);
        }
    }

    @Test
    void resetPeerResetsConnectionsBetweenThePairOnly() throws Exception {
        network.resetPeer(A, B, Duration.ZERO);
        List<Probe> results = probeAll();
        for (Probe p : results) {
            boolean pair = Set.of(p.dialer(), p.target()).equals(Set.of(A, B));
            assertThat(p.dialerToTarget() && p.targetToDialer()).as("%s dials %s", p.dialer(), p.target()).isEqualTo(!pair);
        }
    }

    @Test
    void flapIsolatesAndRestoresABoundedNumberOfTimes() throws Exception {
        long start = System.nanoTime();
        network.flap(C, Duration.ofMillis(150), Duration.ofMillis(50), 2);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(400);
        assertThat(network.activeFaults()).isEmpty();
        assertFlows((x, y) -> true);
    }

    @Test
    void badArgumentsAreRejectedWithTheirReason() {
        assertThatThrownBy(() -> network.partition(Set.of(A, B), Set.of(B, C)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both sides");
        assertThatThrownBy(() -> network.isolate(NodeId.of("zz")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown node zz");
        assertThatThrownBy(() -> network.oneWay(A, A))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two different nodes");
        assertThatThrownBy(() -> network.bridge(Set.of(A, B), B, Set.of(C)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither side");
        assertThatThrownBy(() -> network.flap(A, Duration.ofMillis(10), Duration.ofMillis(10), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cycles");
        assertThatThrownBy(() -> network.bandwidth(A, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 KB/s");
        assertThatThrownBy(() -> ToxiproxyNetwork.create(endpoint(), Map.of(A, stubs.get(A).address())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least two nodes");
    }

    @Test
    void closeDeletesTheProxies() throws Exception {
        assertThat(endpoint().client().getProxies()).hasSize(6);
        network.close();
        assertThat(endpoint().client().getProxies()).isEmpty();
    }
}
