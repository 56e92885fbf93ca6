package dev.raftkit.testkit.tck;

import static dev.raftkit.testkit.tck.TckSupport.freeLoopbackAddress;
import static dev.raftkit.testkit.tck.TckSupport.newThreads;
import static dev.raftkit.testkit.tck.TckSupport.pause;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit of the {@link HostTransport} SPI (many groups over one transport per host):
 * extend it with the factory methods and JUnit 5 runs every check against your host transport. A
 * transport that cannot serve hosts does not extend it; its single-node checks stay in
 * {@link TransportTck}.
 *
 * <pre>{@code
 * class MyHostTransportTckTest extends HostTransportTck {
 *     @Override
 *     protected HostTransport openHost(HostConfig config) throws IOException {
 *         return new MyTransportProvider().openHost(config);
 *     }
 *
 *     @Override
 *     protected long unknownGroupCount(HostTransport host, GroupId group) {
 *         return ((MyHostTransport) host).unknownGroups().getOrDefault(group, 0L);
 *     }
 * }
 * }</pre>
 *
 * <p>What it checks: the messages of one group reach only that group's handler on the peer host,
 * even when two groups use the same member ids, and those of a group whose member ids differ reach
 * it too; every group's messages arrive in the order sent while several groups send at once; a
 * message of a group the receiving host does not run (never opened, or its view closed) is not
 * delivered and is counted with the group's id, and the other groups go on; a group that floods a
 * peer host, or whose view on the peer host is closed, does not stall or drop another group's
 * messages; closing a view unregisters only that group, which may open again; opening a second
 * view of a group fails; messages of another cluster id are never delivered; after the host
 * transport closes, nothing is delivered, sends do not throw, no group opens and no non-daemon
 * thread is left.
 *
 * <p>As in {@link TransportTck}, every link carries a probe (a heartbeat with a {@code readSeq} of at
 * least {@link TransportTck#PROBE_BASE}) before the checked messages, and timing bounds are generous
 * ({@link #deliveryTimeout()}). Randomized payloads use a seed printed in failure messages.
 */
public abstract class HostTransportTck {

    private static final String CLUSTER = "tck-cluster";
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final GroupId G1 = GroupId.of("g1");
    private static final GroupId G2 = GroupId.of("g2");

    private final List<HostTransport> opened = new CopyOnWriteArrayList<>();
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    /**
     * Creates the transport of the host at {@code config.address()}, not yet started.
     *
     * @param config a host configuration with a free loopback address and the kit's cluster id
     * @return the host transport
     * @throws IOException if it cannot be created
     */
    protected abstract HostTransport openHost(HostConfig config) throws IOException;

    /**
     * Returns how many inbound messages of {@code group} the host transport {@code host} counted as
     * being of a group it does not run.
     *
     * @param host a host transport {@link #openHost} returned
     * @param group the group
     * @return the count, 0 if none
     */
    protected abstract long unknownGroupCount(HostTransport host, GroupId group);

    /**
     * Adds the transport's own options (e.g. size limits) to a host configuration the kit builds.
     * Default: none.
     *
     * @param builder the builder of the kit's host configuration
     */
    protected void configure(HostConfig.Builder builder) {
    }

    /**
     * Returns how long the kit waits for a message that must arrive. Default 30 seconds.
     *
     * @return how long the kit waits for a message that must arrive
     */
    protected Duration deliveryTimeout() {
        return Duration.ofSeconds(30);
    }

    /** Closes every host transport the test opened. */
    @AfterEach
    void closeHosts() {
        opened.forEach(HostTransport::close);
    }

    /**
     * Two groups with the same member ids on the same two hosts, and a third with other member ids:
     * each group's handler gets exactly its own group's messages.
     */
    @Test
    void isolatesGroupsEvenWithEqualMemberIds() throws IOException {
        Host one = startHost(CLUSTER);
        Host two = startHost(CLUSTER);
        GroupId g3 = GroupId.of("g3");
        NodeId x = NodeId.of("x");
        NodeId y = NodeId.of("y");
        List<Link> links = List.of(link(G1, A, one, B, two), link(G2, A, one, B, two), link(g3, x, one, y, two));
        List<List<RaftMessage>> sent = sendInterleaved(links, 100, (i, link) -> new Heartbeat(link.from.self,
                link.to.self, links.indexOf(link) + 1, i, i));
        for (int g = 0; g < links.size(); g++) {
            Link link = links.get(g);
            assertEquals(sent.get(g), link.to.awaitMessages(sent.get(g).size()),
                    "group " + link.group + " got exactly its own messages");
        }
    }

    /**
     * Three groups send a thousand mixed messages each at once: each group's arrive all, in the
     * order sent. The mix has hosts' liveness heartbeats (term 0, the incarnation in readSeq).
     */
    @Test
    void keepsTheOrderOfEachGroupsMessages() throws IOException {
        Host one = startHost(CLUSTER);
        Host two = startHost(CLUSTER);
        List<Link> links = List.of(link(G1, A, one, B, two), link(G2, A, one, B, two),
                link(GroupId.of("g3"), B, one, A, two));
        List<List<RaftMessage>> sent = sendInterleaved(links, 1000, (i, link) -> i % 8 == 6
                ? Heartbeat.liveness(link.from.self, link.to.self, 1 + i)
                : i % 2 == 0
                ? new Heartbeat(link.from.self, link.to.self, 3, i, i, i % 4 == 0) // every other one quiesces
                : new AppendEntries(link.from.self, link.to.self, 3, i, 2,
                        List.of(entry(i + 1, 3, 1 + random.nextInt(512))), i));
        for (int g = 0; g < links.size(); g++) {
            assertEquals(sent.get(g), links.get(g).to.awaitMessages(sent.get(g).size()),
                    seedNote("order of group " + links.get(g).group));
        }
    }

    /**
     * A message of a group the receiving host does not run reaches no handler and is counted with
     * the group's id; the groups it does run go on.
     */
    @Test
    void countsAndDropsMessagesOfAGroupTheReceiverDoesNotRun() throws IOException {
        Host one = startHost(CLUSTER);
        Host two = startHost(CLUSTER);
        Link known = link(G1, A, one, B, two);
        GroupId unknown = GroupId.of("not-on-two");
        Group sender = open(one, unknown, A, Map.of(A, one.address(), B, two.address()));
        long deadline = System.nanoTime() + deliveryTimeout().toNanos();
        for (long seq = 1; unknownGroupCount(two.transport, unknown) == 0; seq++) {
            if (System.nanoTime() > deadline) {
                fail("no message of group " + unknown + " was counted as unknown by the receiving host within "
                        + deliveryTimeout());
            }
            sender.transport.send(new Heartbeat(A, B, 1, 0, seq)); // repeated: a transport may connect lazily
            pause(20);
        }
        RaftMessage after = new Heartbeat(A, B, 1, 0, 7);
        known.from.transport.send(after);
        assertEquals(List.of(after), known.to.awaitMessages(1), "group " + G1 + " goes on");
        assertTrue(known.to.fromUnknownSenders.isEmpty(), "delivered as from an unknown sender: "
                + known.to.fromUnknownSenders);
    }

    /**
     * While one group floods the peer host with large appends, far beyond any queue bound, another
     * group's heartbeats, sent in between, all arrive in order: none is dropped for the flood.
     */
    @Test
    void aFloodingGroupDoesNotStallOrDropAnotherGroupsMessages() throws IOException {
        Host one = startHost(CLUSTER);
        Host two = startHost(CLUSTER);
        Link flood = link(G1, A, one, B, two);
        Link quiet = link(G2, A, one, B, two);
        List<RaftMessage> beats = sendAlongside(flood, 20_000, 4096, quiet, 100);
        assertEquals(beats, quiet.to.awaitMessages(beats.size()), "the quiet group's heartbeats during the flood");
        assertTrue(flood.to.awaitMessages(1).stream().allMatch(m -> m instanceof AppendEntries),
                "the flooding group got only its own messages");
    }

    /**
     * A group whose view on the peer host is closed (a stopped group) while its sender keeps
     * sending does not stall another group; the closed group's messages are counted, not delivered.
     */
    @Test
    void aStoppedGroupDoesNotStallAnother() throws IOException {
        Host one = startHost(CLUSTER);
        Host two = startHost(CLUSTER);
        Link stopped = link(G1, A, one, B, two);
        Link live = link(G2, A, one, B, two);
        stopped.to.transport.close();
        List<RaftMessage> sent = sendAlongside(stopped, 2000, 1024, live, 10);
        assertEquals(sent, live.to.awaitMessages(sent.size()), "the live group's messages");
        awaitTrue(() -> unknownGroupCount(two.transport, G1) > 0, () -> "messages of the closed view of " + G1
                + " counted as of an unknown group");
        assertTrue(stopped.to.messages().isEmpty(), "delivered to a closed view: " + stopped.to.messages());
    }

    /**
     * Closing a group's view unregisters that group only: the others go on, a second view of an open
     * group is refused, and the closed group can open again and receive.
     */
    @Test
    void closingAViewUnregistersOnlyThatGroup() throws IOException {
        Host one = startHost(CLUSTER);
        Host two = startHost(CLUSTER);
        Link closing = link(G1, A, one, B, two);
        Link other = link(G2, A, one, B, two);
        assertThrows(IllegalStateException.class, () -> two.transport.group(G2, groupConfig(B, one, two)),
                "a second view of an open group");
        closing.to.transport.close();
        closing.to.transport.close(); // idempotent
        RaftMessage stillWorks = new Heartbeat(A, B, 1, 0, 1);
        other.from.transport.send(stillWorks);
        assertEquals(List.of(stillWorks), other.to.awaitMessages(1), "the other group after a view closed");

        Group reopened = open(two, G1, B, Map.of(A, one.address(), B, two.address()));
        awaitLink(closing.from, reopened);
        RaftMessage again = new Heartbeat(A, B, 2, 0, 2);
        closing.from.transport.send(again);
        assertEquals(List.of(again), reopened.awaitMessages(1), "the reopened group");
        assertTrue(closing.to.messages().isEmpty(), "delivered to the closed view: " + closing.to.messages());
    }

    /** A host of another cluster id reaches no group, not even through the unknown-sender path. */
    @Test
    void neverDeliversMessagesOfAnotherCluster() throws IOException, InterruptedException {
        Host one = startHost(CLUSTER);
        Host two = startHost(CLUSTER);
        Host stranger = startHost("other-cluster");
        Link link = link(G1, A, one, B, two);
        Group foreign = open(stranger, G1, A, Map.of(A, stranger.address(), B, two.address()));
        for (int i = 0; i < 20; i++) {
            foreign.transport.send(new Heartbeat(A, B, 1, 0, 1000 + i));
        }
        RaftMessage marker = new Heartbeat(A, B, 1, 0, 1);
        link.from.transport.send(marker);
        link.to.awaitMessages(1);
        Thread.sleep(500); // the other cluster had the same time to get through as the marker
        assertEquals(List.of(marker), link.to.messages(), "only the host of the same cluster may get through");
        assertTrue(link.to.fromUnknownSenders.isEmpty(), "another cluster reached onMessageFromUnknownSender: "
                + link.to.fromUnknownSenders);
    }

    /**
     * After the host transport closes (idempotent), none of its groups gets messages, sends do not
     * throw, no group opens, and no non-daemon thread is left.
     */
    @Test
    void closingTheHostEndsEveryGroupAndLeavesNoThread() throws IOException, InterruptedException {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Host one = startHost(CLUSTER);
        Host two = startHost(CLUSTER);
        Link g1 = link(G1, A, one, B, two);
        Link g2 = link(G2, A, one, B, two);
        two.transport.close();
        two.transport.close(); // idempotent
        for (int i = 0; i < 100; i++) {
            g1.from.transport.send(new Heartbeat(A, B, 1, 0, i));
            g2.from.transport.send(new Heartbeat(A, B, 1, 0, i));
        }
        Thread.sleep(500);
        assertTrue(g1.to.messages().isEmpty() && g2.to.messages().isEmpty(), "delivered after the host closed: "
                + g1.to.messages() + " " + g2.to.messages());
        assertThrows(IllegalStateException.class, () -> two.transport.group(GroupId.of("late"),
                groupConfig(B, one, two)), "a group opened on a closed host transport");
        one.transport.close();
        g1.from.transport.send(new Heartbeat(A, B, 1, 0, 1)); // after close: dropped, no exception

        awaitTrue(() -> newThreads(before).stream().allMatch(Thread::isDaemon) && newThreads(before).size() <= 4,
                () -> "threads left after close: " + newThreads(before).stream()
                        .map(t -> t.getName() + (t.isDaemon() ? " (daemon)" : "")).collect(Collectors.toList()));
    }

    // ---- fixtures ----

    /** A started host transport and its configuration. */
    private record Host(HostConfig config, HostTransport transport) {
        Address address() {
            return config.address();
        }
    }

    /** Opens and starts the view of {@code group} on {@code host} for member {@code self}. */
    private Group open(Host host, GroupId group, NodeId self, Map<NodeId, Address> members) throws IOException {
        Group view = new Group(group, self, host.transport.group(group, Config.builder(self, members).build()));
        view.transport.start(view);
        return view;
    }

    /** One group's member on each of two hosts, with a working link from the first to the second. */
    private record Link(GroupId group, Group from, Group to) {
    }

    private Host startHost(String clusterId) throws IOException {
        HostConfig.Builder builder = HostConfig.builder(freeLoopbackAddress()).clusterId(clusterId);
        configure(builder);
        HostConfig config = builder.build();
        HostTransport transport = openHost(config);
        opened.add(transport);
        transport.start();
        return new Host(config, transport);
    }

    private static Config groupConfig(NodeId self, Host one, Host two) {
        return Config.builder(self, Map.of(A, one.address(), B, two.address())).build();
    }

    /** Opens {@code group} with member {@code from} on {@code one} and {@code to} on {@code two}; waits for the link. */
    private Link link(GroupId group, NodeId from, Host one, NodeId to, Host two) throws IOException {
        Map<NodeId, Address> members = Map.of(from, one.address(), to, two.address());
        Link link = new Link(group, open(one, group, from, members), open(two, group, to, members));
        awaitLink(link.from, link.to);
        return link;
    }

    /**
     * Sends {@code appends} appends of {@code payload} bytes each on {@code busy} and, after every
     * {@code every}-th, a heartbeat on {@code other}; returns the heartbeats.
     */
    private List<RaftMessage> sendAlongside(Link busy, int appends, int payload, Link other, int every) {
        List<RaftMessage> beats = new ArrayList<>();
        for (int i = 0; i < appends; i++) {
            busy.from.transport.send(new AppendEntries(busy.from.self, busy.to.self, 1, i, 1,
                    List.of(entry(i + 1, 1, payload)), i));
            if (i % every == 0) {
                RaftMessage beat = new Heartbeat(other.from.self, other.to.self, 2, i, i);
                beats.add(beat);
                other.from.transport.send(beat);
            }
        }
        return beats;
    }

    /** Makes one message per link and round, sends them interleaved, and returns what each link sent. */
    private List<List<RaftMessage>> sendInterleaved(List<Link> links, int rounds, MessageMaker maker) {
        List<List<RaftMessage>> sent = new ArrayList<>();
        links.forEach(link -> sent.add(new ArrayList<>()));
        for (int i = 0; i < rounds; i++) {
            for (int g = 0; g < links.size(); g++) {
                RaftMessage message = maker.make(i, links.get(g));
                sent.get(g).add(message);
                links.get(g).from.transport.send(message);
            }
        }
        return sent;
    }

    /** Makes the message of round {@code i} on {@code link}. */
    @FunctionalInterface
    private interface MessageMaker {
        RaftMessage make(int i, Link link);
    }

    /** A message handed to {@code onMessageFromUnknownSender}, with the sender's address. */
    private record Heard(RaftMessage message, Address senderAddress) {
    }

    /** A group's started view and what it delivered, probes kept apart. */
    private final class Group implements MessageHandler {
        final GroupId group;
        final NodeId self;
        final Transport transport;
        private final List<RaftMessage> messages = new CopyOnWriteArrayList<>();
        private final List<RaftMessage> probes = new CopyOnWriteArrayList<>();
        private final List<Heard> fromUnknownSenders = new CopyOnWriteArrayList<>();

        Group(GroupId group, NodeId self, Transport transport) {
            this.group = group;
            this.self = self;
            this.transport = transport;
        }

        @Override
        public void onMessage(RaftMessage message) {
            if (message instanceof Heartbeat beat && beat.readSeq() >= TransportTck.PROBE_BASE) {
                probes.add(message);
            } else {
                messages.add(message);
            }
        }

        @Override
        public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
            fromUnknownSenders.add(new Heard(message, senderAddress));
        }

        List<RaftMessage> messages() {
            return List.copyOf(messages);
        }

        List<RaftMessage> awaitMessages(int count) {
            awaitTrue(() -> messages.size() >= count, () -> group + "/" + self + " got " + messages.size() + " of "
                    + count + " messages; " + seedNote(""));
            return messages();
        }
    }

    /** Sends probes from {@code from} to {@code to} until one arrives, as an engine's retries would. */
    private void awaitLink(Group from, Group to) {
        int before = to.probes.size();
        long deadline = System.nanoTime() + deliveryTimeout().toNanos();
        for (long seq = TransportTck.PROBE_BASE; to.probes.size() == before; seq++) {
            if (System.nanoTime() > deadline) {
                fail("no probe of group " + from.group + " from " + from.self + " reached " + to.self + " within "
                        + deliveryTimeout());
            }
            from.transport.send(new Heartbeat(from.self, to.self, 1, 0, seq));
            pause(20);
        }
    }

    private void awaitTrue(BooleanSupplier condition, Supplier<String> why) {
        TckSupport.awaitTrue(condition, deliveryTimeout(), why);
    }

    private LogEntry entry(long index, long term, int size) {
        byte[] payload = new byte[size];
        random.nextBytes(payload);
        return new LogEntry(index, term, EntryKind.COMMAND, payload);
    }

    private String seedNote(String what) {
        return what + " (payload seed " + seed + ")";
    }
}
