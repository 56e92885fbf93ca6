package dev.raftkit.testkit.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.raftkit.testkit.tck.TckSupport.awaitTrue;
import static dev.raftkit.testkit.tck.TckSupport.newThreads;
import static dev.raftkit.testkit.tck.TckSupport.pause;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.InstallSnapshot;
import dev.raftkit.spi.InstallSnapshotResponse;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.RequestVoteResponse;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.ReadIndexRequest;
import dev.raftkit.spi.ReadIndexResponse;
import dev.raftkit.spi.TimeoutNow;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit of the {@link Transport} SPI: extend it with one factory method and JUnit 5
 * runs every check against your transport.
 *
 * <pre>{@code
 * class MyTransportTckTest extends TransportTck {
 *     @Override
 *     protected Transport create(Config config) throws IOException {
 *         // apply your own options; the kit chooses free loopback addresses
 *         return new MyTransportProvider().open(config.toBuilder().option("my.maxBytes", "4194304").build());
 *     }
 *
 *     @Override
 *     protected long maxMessageBytes() {
 *         return 4L << 20; // the inbound limit the transports above enforce
 *     }
 * }
 * }</pre>
 *
 * <p>What it checks: every message type arrives with every field intact; messages to one peer
 * arrive in the order sent; messages close to the stated size limit arrive and larger ones do not;
 * every message within what {@link Transport#maxMessageBytes()} obliges the transport to carry arrives;
 * a peer that goes down and comes back at the same address is reached again; {@link Transport#send}
 * never blocks, even toward an unreachable peer; messages of another cluster id are never handed
 * on; a message from a sender that is not a peer never reaches {@link MessageHandler#onMessage} but
 * reaches {@link MessageHandler#onMessageFromUnknownSender} with the sender's real address, and once
 * that sender is added by {@link Transport#updatePeers} it is accepted and replies reach it; a
 * {@link Transport#sendingThread() sending thread}, if offered, runs tasks one at a time in order and
 * refuses them once closed; after {@link Transport#close} nothing is delivered and no non-daemon
 * thread is left.
 *
 * <p>Every message is sent on a link only after the link has carried a probe (a heartbeat with a
 * {@code readSeq} of at least {@value #PROBE_BASE}), so transports that connect lazily are judged on
 * steady-state behaviour; probes never count as test messages. Timing bounds are generous
 * ({@link #deliveryTimeout()}): the kit checks behaviour, not speed. Randomized payloads use a seed
 * printed in failure messages.
 */
public abstract class TransportTck {

    /** Heartbeats with a {@code readSeq} at or above this value are link probes. */
    public static final long PROBE_BASE = 1L << 40;

    private static final String CLUSTER = "tck-cluster";
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final NodeId Z = NodeId.of("z");

    private final List<Transport> opened = new CopyOnWriteArrayList<>();
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    /**
     * Creates the transport of {@code config.self()}, not yet started. The kit calls it again with
     * the same configuration to restart a node at the same address.
     *
     * @param config a configuration whose members have free loopback addresses
     * @return the transport
     * @throws IOException if it cannot be created
     */
    protected abstract Transport create(Config config) throws IOException;

    /**
     * Returns the inbound size limit, in bytes of payload, of the transports {@link #create}
     * returns: messages whose entries or snapshot chunk come within 1/64 of it must arrive, and
     * messages with more payload than it must not.
     *
     * @return the inbound size limit, in bytes of payload
     */
    protected abstract long maxMessageBytes();

    /**
     * Returns how long the kit waits for a message that must arrive. Default 30 seconds.
     *
     * @return how long the kit waits for a message that must arrive
     */
    protected Duration deliveryTimeout() {
        return Duration.ofSeconds(30);
    }

    /**
     * Returns a loopback address with a port that was free a moment ago.
     *
     * @return a loopback address with a port that was free a moment ago
     */
    protected Address freeAddress() {
        return TckSupport.freeLoopbackAddress();
    }

    /** Closes every transport the test opened. */
    @AfterEach
    void closeTransports() {
        opened.forEach(Transport::close);
    }

    /** Every member of the RaftMessage family, with entries of every kind, chunks and membership, arrives equal. */
    @Test
    void deliversEveryMessageTypeWithEveryFieldIntact() throws IOException {
        Pair pair = startPair();
        List<RaftMessage> toB = sampleMessages(A, B);
        List<RaftMessage> toA = sampleMessages(B, A);
        toB.forEach(pair.a.transport::send);
        toA.forEach(pair.b.transport::send);
        assertEquals(Set.copyOf(toB), Set.copyOf(pair.b.awaitMessages(toB.size())), seedNote("a -> b"));
        assertEquals(Set.copyOf(toA), Set.copyOf(pair.a.awaitMessages(toA.size())), seedNote("b -> a"));
    }

    /**
     * Read index requests and answers (follower reads) arrive intact, with ids and indexes far above
     * 32 bits, interleaved with heartbeats in the order sent.
     */
    @Test
    void deliversReadIndexRequestsAndAnswersIntact() throws IOException {
        Pair pair = startPair();
        long big = 1L << 40;
        List<RaftMessage> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sent.add(new ReadIndexRequest(A, B, big + i, big + 2L * i));
            sent.add(new ReadIndexResponse(A, B, big + i, big + 2L * i + 1, big * 3 + i));
            sent.add(new Heartbeat(A, B, big + i, i, i));
        }
        sent.forEach(pair.a.transport::send);
        assertEquals(sent, pair.b.awaitMessages(sent.size()), seedNote("read index messages a -> b"));
    }

    /** A thousand mixed messages to one peer arrive all, in the order sent. */
    @Test
    void keepsTheOrderOfMessagesToOnePeer() throws IOException {
        Pair pair = startPair();
        List<RaftMessage> sent = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            sent.add(i % 2 == 0 ? new Heartbeat(A, B, 3, i, i)
                    : new AppendEntries(A, B, 3, i, 2, List.of(entry(i + 1, 3, EntryKind.COMMAND, 16)), i));
        }
        sent.forEach(pair.a.transport::send);
        assertEquals(sent, pair.b.awaitMessages(sent.size()), seedNote("order of messages a -> b"));
    }

    /** An append and a snapshot chunk just under {@link #maxMessageBytes()} arrive intact. */
    @Test
    void carriesMessagesUpToTheSizeLimit() throws IOException {
        Pair pair = startPair();
        long payload = maxMessageBytes() - Math.max(4096, maxMessageBytes() / 64);
        assertTrue(payload > 0, "maxMessageBytes() is too small to test: " + maxMessageBytes());
        int perEntry = (int) (payload / 4);
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            entries.add(entry(i, 1, EntryKind.COMMAND, perEntry));
        }
        RaftMessage append = new AppendEntries(A, B, 1, 0, 0, entries, 0);
        RaftMessage chunk = new InstallSnapshot(A, B, 2, snapshotMeta(payload), 0, bytes((int) payload), true);
        pair.a.transport.send(append);
        pair.a.transport.send(chunk);
        assertEquals(List.of(append, chunk), pair.b.awaitMessages(2), seedNote("large messages"));
    }

    /**
     * Messages exactly as large as the transport must carry by its own statement,
     * {@link Transport#maxMessageBytes()} minus {@link Transport#ENVELOPE_RESERVE_BYTES} by
     * {@link RaftMessage#sizeBytes()}, arrive intact, even with indexes as long as they get and terms
     * at {@link RaftMessage#MAX_TERM}.
     */
    @Test
    void carriesEveryMessageWithinItsStatedLimit() throws IOException {
        Pair pair = startPair();
        long room = pair.a.transport.maxMessageBytes() - Transport.ENVELOPE_RESERVE_BYTES;
        long index = Long.MAX_VALUE / 2;
        long term = RaftMessage.MAX_TERM;
        long emptyAppend = new AppendEntries(A, B, term, index - 1, term,
                List.of(entry(index, term, EntryKind.COMMAND, 0)), index).sizeBytes();
        RaftMessage append = new AppendEntries(A, B, term, index - 1, term,
                List.of(entry(index, term, EntryKind.COMMAND, (int) (room - emptyAppend))), index);
        long emptyChunk = new InstallSnapshot(A, B, term, snapshotMeta(room), index, new byte[0], true).sizeBytes();
        RaftMessage chunk = new InstallSnapshot(A, B, term, snapshotMeta(index + room), index,
                bytes((int) (room - emptyChunk)), true);
        assertEquals(room, append.sizeBytes(), "the append fills the stated limit");
        assertEquals(room, chunk.sizeBytes(), "the chunk fills the stated limit");
        pair.a.transport.send(append);
        pair.a.transport.send(chunk);
        assertEquals(List.of(append, chunk), pair.b.awaitMessages(2), seedNote("messages at the stated limit"));
    }

    /** Messages over {@link #maxMessageBytes()} are not delivered, and the link keeps working. */
    @Test
    void neverDeliversMessagesOverTheSizeLimit() throws IOException {
        Pair pair = startPair();
        long limit = maxMessageBytes();
        int over = (int) Math.min(Integer.MAX_VALUE - 64, limit + Math.max(4096, limit / 64));
        pair.a.transport.send(new AppendEntries(A, B, 1, 0, 0, List.of(entry(1, 1, EntryKind.COMMAND, over)), 0));
        pair.a.transport.send(new InstallSnapshot(A, B, 1, snapshotMeta(over), 0, bytes(over), true));
        RaftMessage after = new Heartbeat(A, B, 1, 0, 7);
        awaitDelivery(pair.a, pair.b, after);
        assertEquals(List.of(after), pair.b.messages(), "only the small message may arrive");
    }

    /** After a peer restarts at the same address, messages reach it again, in order; the closed one gets none. */
    @Test
    void reachesAPeerAgainAfterItRestarts() throws IOException {
        Pair pair = startPair();
        pair.b.transport.close();
        for (int i = 0; i < 50; i++) {
            pair.a.transport.send(new Heartbeat(A, B, 1, 0, i)); // may be lost
        }
        Peer restarted = start(pair.b.config);
        awaitLink(pair.a, restarted);
        List<RaftMessage> later = new ArrayList<>();
        for (int i = 100; i < 200; i++) {
            later.add(new Heartbeat(A, B, 2, 0, i));
        }
        later.forEach(pair.a.transport::send);
        assertEquals(later, restarted.awaitMessagesAfter(later.get(0), later.size()),
                "messages sent after the peer came back");
        assertTrue(pair.b.messages().isEmpty(), "the closed transport delivered " + pair.b.messages());
    }

    /** Tens of thousands of sends to an unreachable or unknown peer return quickly, and other links still work. */
    @Test
    void sendNeverBlocksEvenTowardAnUnreachablePeer() throws IOException {
        NodeId dead = NodeId.of("dead");
        Address deadAddress = freeAddress();
        Pair pair = startPair(Map.of(dead, deadAddress));
        long started = System.nanoTime();
        for (int i = 0; i < 20_000; i++) {
            pair.a.transport.send(new AppendEntries(A, dead, 1, i, 1, List.of(entry(i + 1, 1, EntryKind.COMMAND, 256)), i));
            pair.a.transport.send(new TimeoutNow(A, NodeId.of("nobody"), 1));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "40,000 sends to unreachable peers took " + took);
        RaftMessage stillWorks = new Heartbeat(A, B, 1, 0, 1);
        awaitDelivery(pair.a, pair.b, stillWorks);
    }

    /**
     * Another cluster id is never handed on; a sender that is not a peer never reaches
     * {@code onMessage}, until it is added as a peer.
     */
    @Test
    void rejectsOtherClustersAndUnknownSendersUntilThePeerIsAdded() throws IOException, InterruptedException {
        Pair pair = startPair();
        Peer otherCluster = start(config(A, Map.of(A, freeAddress(), B, pair.b.config.selfAddress()), "other-cluster"));
        Peer stranger = start(config(Z, Map.of(Z, freeAddress(), B, pair.b.config.selfAddress()), CLUSTER));
        for (int i = 0; i < 20; i++) {
            otherCluster.transport.send(new Heartbeat(A, B, 1, 0, 1000 + i));
            stranger.transport.send(new Heartbeat(Z, B, 1, 0, 2000 + i));
        }
        RaftMessage marker = new Heartbeat(A, B, 1, 0, 1);
        awaitDelivery(pair.a, pair.b, marker);
        Thread.sleep(500); // the rejected senders had the same time to get through as the marker
        assertEquals(List.of(marker), pair.b.messages(), "only the peer of the same cluster may get through");
        assertTrue(pair.b.fromUnknownSenders().stream().allMatch(heard -> heard.message().from().equals(Z)),
                "only the sender of the same cluster may reach onMessageFromUnknownSender: "
                        + pair.b.fromUnknownSenders());

        pair.b.transport.updatePeers(Map.of(A, pair.a.config.selfAddress(), Z, stranger.config.selfAddress()));
        awaitLink(stranger, pair.b);
        assertTrue(pair.b.messages().stream().noneMatch(m -> m instanceof Heartbeat beat && beat.readSeq() >= 1000
                && beat.readSeq() < 2000), "the other cluster got through: " + pair.b.messages());
    }

    /**
     * A message from a sender that is not a peer goes to {@code onMessageFromUnknownSender} with the
     * address the sender is reached at, never to {@code onMessage}; once the receiver adds the sender
     * at that address, the receiver's replies reach it (how a node catches up with a leader that
     * joined while it was cut off).
     */
    @Test
    void handsAnUnknownSendersMessageOverWithItsAddressSoThatAReplyCanReachIt() throws IOException {
        Pair pair = startPair();
        Peer stranger = start(config(Z, Map.of(Z, freeAddress(), B, pair.b.config.selfAddress()), CLUSTER));
        long deadline = System.nanoTime() + deliveryTimeout().toNanos();
        for (long seq = 1; pair.b.fromUnknownSenders().isEmpty(); seq++) {
            if (System.nanoTime() > deadline) {
                fail("no message from non-peer " + Z + " reached onMessageFromUnknownSender of " + B + " within "
                        + deliveryTimeout());
            }
            stranger.transport.send(new Heartbeat(Z, B, 1, 0, seq)); // repeated: a transport may connect lazily
            pause(20);
        }
        Heard heard = pair.b.fromUnknownSenders().get(0);
        assertTrue(heard.message() instanceof Heartbeat beat && beat.from().equals(Z) && beat.to().equals(B)
                && beat.readSeq() >= 1, "not a heartbeat z sent: " + heard.message());
        assertEquals(stranger.config.selfAddress(), heard.senderAddress(), "the address z is reached at");
        assertTrue(pair.b.messages().stream().noneMatch(m -> m.from().equals(Z)),
                "a non-peer's message reached onMessage: " + pair.b.messages());

        pair.b.transport.updatePeers(Map.of(A, pair.a.config.selfAddress(), Z, heard.senderAddress()));
        awaitDelivery(pair.b, stranger, new AppendEntriesResponse(B, Z, 1, true, 7, 0, 0));
    }

    /**
     * A transport offers its {@link Transport#sendingThread() sending thread} from before
     * {@link Transport#start} or never: the engine asks once, before it starts the transport.
     */
    @Test
    void offersASendingThreadFromBeforeStartOrNever() throws IOException {
        Config config = config(A, Map.of(A, freeAddress(), B, freeAddress()), CLUSTER);
        Transport transport = create(config);
        opened.add(transport);
        boolean beforeStart = transport.sendingThread().isPresent();
        transport.start(new Peer(config, transport));
        assertEquals(beforeStart, transport.sendingThread().isPresent(),
                "whether a sending thread is offered, before start and after");
    }

    /**
     * A transport that offers its {@link Transport#sendingThread() sending thread} runs the tasks
     * given to it one at a time, in order, and delivers what they send; once closed it refuses
     * them. Skipped for a transport that offers none.
     */
    @Test
    void aSendingThreadRunsTasksInOrderOneAtATimeAndRefusesThemOnceClosed() throws Exception {
        Pair pair = startPair();
        Optional<Executor> offered = pair.a.transport.sendingThread();
        assumeTrue(offered.isPresent(), "the transport offers no sending thread");
        Executor sending = offered.get();
        int tasks = 1000;
        List<Integer> order = new CopyOnWriteArrayList<>();
        AtomicBoolean inside = new AtomicBoolean();
        AtomicInteger overlaps = new AtomicInteger();
        List<RaftMessage> sent = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            int task = i;
            Heartbeat beat = new Heartbeat(A, B, 3, task, task);
            if (task % 10 == 0) {
                sent.add(beat);
            }
            sending.execute(() -> {
                if (!inside.compareAndSet(false, true)) {
                    overlaps.incrementAndGet();
                }
                order.add(task);
                if (task % 10 == 0) {
                    pair.a.transport.send(beat);
                }
                inside.set(false);
            });
        }
        assertEquals(sent, pair.b.awaitMessages(sent.size()), "what tasks on the sending thread sent, in order");
        awaitTrue(() -> order.size() == tasks, deliveryTimeout(), () -> order.size() + " of " + tasks + " tasks ran");
        assertEquals(IntStream.range(0, tasks).boxed().collect(Collectors.toList()), order, "the order tasks ran in");
        assertEquals(0, overlaps.get(), "tasks that ran while another ran");

        pair.a.transport.close();
        assertThrows(RejectedExecutionException.class, () -> sending.execute(() -> { }),
                "a closed transport refuses tasks for its sending thread");
    }

    /** After close (idempotent) nothing is delivered, send does not throw, and no non-daemon thread is left. */
    @Test
    void deliversNothingAfterCloseAndLeavesNoThreadRunning() throws IOException, InterruptedException {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Pair pair = startPair();
        pair.b.transport.close();
        pair.b.transport.close(); // idempotent
        for (int i = 0; i < 100; i++) {
            pair.a.transport.send(new Heartbeat(A, B, 1, 0, i));
        }
        Thread.sleep(500);
        assertTrue(pair.b.messages().isEmpty(), "delivered after close: " + pair.b.messages());
        pair.a.transport.close();
        pair.a.transport.send(new Heartbeat(A, B, 1, 0, 1)); // after close: dropped, no exception

        BooleanSupplier noNewNonDaemon = () -> newThreads(before).stream().noneMatch(t -> !t.isDaemon());
        BooleanSupplier fewNewThreads = () -> newThreads(before).size() <= 4;
        awaitTrue(() -> noNewNonDaemon.getAsBoolean() && fewNewThreads.getAsBoolean(), Duration.ofSeconds(10),
                () -> "threads left after close: " + newThreads(before).stream()
                        .map(t -> t.getName() + (t.isDaemon() ? " (daemon)" : "")).collect(Collectors.toList()));
    }

    // ---- fixtures ----

    /** Two started transports, a and b, each the other's only peer, with a working link both ways. */
    private record Pair(Peer a, Peer b) {
    }

    private Pair startPair() throws IOException {
        return startPair(Map.of());
    }

    private Pair startPair(Map<NodeId, Address> extraPeersOfA) throws IOException {
        Address addressA = freeAddress();
        Address addressB = freeAddress();
        Map<NodeId, Address> membersA = new HashMap<>(extraPeersOfA);
        membersA.put(A, addressA);
        membersA.put(B, addressB);
        Peer a = start(config(A, membersA, CLUSTER));
        Peer b = start(config(B, Map.of(A, addressA, B, addressB), CLUSTER));
        awaitLink(a, b);
        awaitLink(b, a);
        return new Pair(a, b);
    }

    private static Config config(NodeId self, Map<NodeId, Address> members, String clusterId) {
        return Config.builder(self, members).clusterId(clusterId).build();
    }

    private Peer start(Config config) throws IOException {
        Transport transport = create(config);
        opened.add(transport);
        Peer peer = new Peer(config, transport);
        transport.start(peer);
        return peer;
    }

    /** A message handed to {@code onMessageFromUnknownSender}, with the sender's address. */
    private record Heard(RaftMessage message, Address senderAddress) {
    }

    /** A started transport and what it delivered, probes kept apart. */
    private final class Peer implements MessageHandler {
        final Config config;
        final Transport transport;
        private final List<RaftMessage> messages = new CopyOnWriteArrayList<>();
        private final List<RaftMessage> probes = new CopyOnWriteArrayList<>();
        private final List<Heard> fromUnknownSenders = new CopyOnWriteArrayList<>();

        Peer(Config config, Transport transport) {
            this.config = config;
            this.transport = transport;
        }

        @Override
        public void onMessage(RaftMessage message) {
            if (message instanceof Heartbeat beat && beat.readSeq() >= PROBE_BASE) {
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

        List<Heard> fromUnknownSenders() {
            return List.copyOf(fromUnknownSenders);
        }

        List<RaftMessage> awaitMessages(int count) {
            awaitTrue(() -> messages.size() >= count, deliveryTimeout(),
                    () -> config.self() + " got " + messages.size() + " of " + count + " messages; " + seedNote(""));
            return messages();
        }

        /** Waits for {@code count} messages starting at {@code first}, ignoring any before it. */
        List<RaftMessage> awaitMessagesAfter(RaftMessage first, int count) {
            awaitTrue(() -> {
                int start = messages.indexOf(first);
                return start >= 0 && messages.size() - start >= count;
            }, deliveryTimeout(), () -> config.self() + " got " + messages + "; " + seedNote(""));
            List<RaftMessage> all = messages();
            return all.subList(all.indexOf(first), all.size());
        }
    }

    /** Sends probes from {@code from} to {@code to} until one arrives, as an engine's retries would. */
    private void awaitLink(Peer from, Peer to) {
        NodeId self = from.config.self();
        NodeId peer = to.config.self();
        int before = to.probes.size();
        long deadline = System.nanoTime() + deliveryTimeout().toNanos();
        for (long seq = PROBE_BASE; to.probes.size() == before; seq++) {
            if (System.nanoTime() > deadline) {
                fail("no probe from " + self + " reached " + peer + " within " + deliveryTimeout());
            }
            from.transport.send(new Heartbeat(self, peer, 1, 0, seq));
            pause(20);
        }
    }

    /** Sends {@code message} once after the link works, and waits until it arrives. */
    private void awaitDelivery(Peer from, Peer to, RaftMessage message) {
        awaitLink(from, to);
        from.transport.send(message);
        awaitTrue(() -> to.messages.contains(message), deliveryTimeout(),
                () -> message + " did not arrive; got " + to.messages);
    }

    private String seedNote(String what) {
        return what + " (payload seed " + seed + ")";
    }

    // ---- sample messages ----

    private List<RaftMessage> sampleMessages(NodeId from, NodeId to) {
        long big = 1L << 40;
        return List.of(
                new RequestVote(from, to, big, big - 1, big - 2, true, false),
                new RequestVote(from, to, 7, 0, 0, false, true),
                new RequestVoteResponse(from, to, 7, true, true),
                new RequestVoteResponse(from, to, 8, false, false),
                new AppendEntries(from, to, 9, 10, 8, List.of(
                        entry(11, 8, EntryKind.COMMAND, 1000),
                        entry(12, 9, EntryKind.NOOP, 0),
                        entry(13, 9, EntryKind.MEMBERSHIP, 77),
                        entry(14, 9, EntryKind.COMMAND, 0),
                        entry(15, 9, EntryKind.SESSION, 40)), 12),
                new AppendEntries(from, to, 9, 14, 9, List.of(), 14),
                new AppendEntriesResponse(from, to, 9, true, 14, 0, 0),
                new AppendEntriesResponse(from, to, 9, false, 20, 15, 4),
                new Heartbeat(from, to, 9, 14, 123),
                new Heartbeat(from, to, 9, 14, 124, true),
                new HeartbeatResponse(from, to, 9, 123, 14),
                new InstallSnapshot(from, to, 10, snapshotMeta(5000), 0, bytes(4000), false),
                new InstallSnapshot(from, to, 10, snapshotMeta(5000), 4000, bytes(1000), true),
                new InstallSnapshot(from, to, 10, snapshotMeta(0), 0, new byte[0], true),
                new InstallSnapshotResponse(from, to, 10, 500, 4000, false),
                new InstallSnapshotResponse(from, to, 10, 500, 5000, true),
                new TimeoutNow(from, to, 11),
                new ReadIndexRequest(from, to, 12, 1),
                new ReadIndexResponse(from, to, 12, 1, 14));
    }

    private SnapshotMeta snapshotMeta(long size) {
        Membership membership = new Membership(42,
                Map.of(A, new Address("127.0.0.1", 7001), B, new Address("::1", 7002)),
                Map.of(NodeId.of("learner-1"), new Address("node-3.example", 7003)));
        return new SnapshotMeta(500, 9, membership, size, 0xFFFF_FFFFL);
    }

    private LogEntry entry(long index, long term, EntryKind kind, int size) {
        return new LogEntry(index, term, kind, kind == EntryKind.NOOP ? new byte[0] : bytes(size));
    }

    private byte[] bytes(int size) {
        byte[] data = new byte[size];
        random.nextBytes(data);
        return data;
    }
}
