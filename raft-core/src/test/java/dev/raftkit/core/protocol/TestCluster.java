package dev.raftkit.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.core.TestLogStore;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A hand-driven cluster of {@link RaftCore}s for scenario tests, in the spirit of etcd's
 * interaction environment: nothing happens unless the test asks for it.
 *
 * <p>It stays apart from raft-testkit's real-time {@code LiveCluster}: this one drives the pure
 * protocol core in virtual steps, and raft-core's tests cannot depend on raft-testkit (raft-testkit
 * depends on raft-core, a Maven cycle).
 *
 * <p><b>Network.</b> Sent messages wait in an in-flight list until the test delivers them: all
 * ({@link #stabilize()}), one pass ({@link #deliverAll()}), selected ones ({@link #deliver(Predicate)}),
 * or individual messages in any order and any number of times ({@link #take} then
 * {@link #deliver(RaftMessage)}: reordering and duplication). Links can be cut one way
 * ({@link #cut}) and persistent drop rules installed ({@link #dropAlways}); a message hitting either
 * is discarded when sent.
 *
 * <p><b>Storage.</b> Each node has a {@link TestLogStore}. After every input the harness drains
 * the core's readies as the {@link Ready} contract says: {@code messages} go out at once; the
 * persist step (hard state and entries into the store, then {@code afterPersist} out, then
 * {@link RaftCore#onPersisted}) runs at once, or, for a node in manual-persist mode, only when the
 * test calls {@link #persist}. {@link #crash} discards a node's unpersisted readies and rebuilds
 * its core from its store, as a restart would.
 *
 * <p>Each node's committed entries are recorded per incarnation ({@link #applied}). Everything is
 * deterministic: the cores' jitter comes from seeded {@link SplittableRandom}s.
 */
final class TestCluster {

    /** Timeouts of 10..20 ticks, heartbeat every tick, no pre-vote, no check-quorum, nothing unsafe. */
    static final CoreOptions DEFAULT_OPTIONS = new CoreOptions(10, 20, 1, false, false,
            CoreOptions.DEFAULT_MAX_APPEND_BYTES, 1024, 1 << 20, false, false);

    /** The default options with pre-vote and check-quorum as given. */
    static CoreOptions options(boolean preVote, boolean checkQuorum) {
        return new CoreOptions(10, 20, 1, preVote, checkQuorum, CoreOptions.DEFAULT_MAX_APPEND_BYTES, 1024, 1 << 20,
                false, false);
    }

    /** Upper bound on work in one call, so a livelocked core fails the test instead of hanging. */
    private static final int MAX_STEPS = 100_000;

    private final CoreOptions options;
    private final long seed;
    private final Membership membership;
    private final Map<NodeId, TestNode> nodes = new LinkedHashMap<>();
    private final List<RaftMessage> inFlight = new ArrayList<>();
    /** Every message that entered the network (not cut or dropped when sent), in order. */
    private final List<RaftMessage> sent = new ArrayList<>();
    private final Set<List<NodeId>> cutLinks = new HashSet<>();
    private final List<Predicate<RaftMessage>> dropRules = new ArrayList<>();
    /** The clock every node's driver reads, in nanoseconds; moves only by {@link #advanceNanos}. */
    private long nanos;

    /** One member: its store, its current core and what the harness recorded about it. */
    private final class TestNode {
        final NodeId id;
        final int ordinal;
        TestLogStore store = new TestLogStore();
        RaftCore core;
        int incarnation;
        boolean manualPersist;
        final ArrayDeque<Ready> unpersisted = new ArrayDeque<>();
        final List<Ready> readies = new ArrayList<>();
        final List<List<LogEntry>> appliedByIncarnation = new ArrayList<>();
        final List<ReadState> reads = new ArrayList<>();

        TestNode(NodeId id, int ordinal) {
            this.id = id;
            this.ordinal = ordinal;
            restart();
        }

        /** Rebuilds the core from the store's durable state, as a process restart does. */
        void restart() {
            unpersisted.clear();
            reads.clear();
            incarnation++;
            appliedByIncarnation.add(new ArrayList<>());
            core = new RaftCore(id, id.value(), options, store, store.hardState(), membership, null,
                    new SplittableRandom(seed * 1_000 + ordinal * 100L + incarnation));
        }
    }

    /**
     * @param options the core settings of every node
     * @param seed the seed of the nodes' election jitter
     * @param ids the voters' ids
     */
    TestCluster(CoreOptions options, long seed, String... ids) {
        this(options, seed, ids, new String[0]);
    }

    /**
     * @param options the core settings of every node
     * @param seed the seed of the nodes' election jitter
     * @param voterIds the voters' ids
     * @param learnerIds the learners' ids, members from the start
     */
    TestCluster(CoreOptions options, long seed, String[] voterIds, String... learnerIds) {
        this.options = options;
        this.seed = seed;
        Map<NodeId, Address> voters = new LinkedHashMap<>();
        for (int i = 0; i < voterIds.length; i++) {
            voters.put(NodeId.of(voterIds[i]), new Address("127.0.0.1", 9001 + i));
        }
        Map<NodeId, Address> learners = new LinkedHashMap<>();
        for (int i = 0; i < learnerIds.length; i++) {
            learners.put(NodeId.of(learnerIds[i]), new Address("127.0.0.1", 9001 + voterIds.length + i));
        }
        this.membership = new Membership(0, voters, learners);
        int ordinal = 0;
        for (NodeId id : membership.members()) {
            nodes.put(id, new TestNode(id, ordinal++));
        }
    }

    /** Returns {@code n1 .. nCount}. */
    static String[] ids(int count) {
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            out[i] = "n" + (i + 1);
        }
        return out;
    }

    // ---------------------------------------------------------------- nodes

    /** Returns the current core of {@code id}. */
    RaftCore core(String id) {
        return node(id).core;
    }

    /** Returns the durable store of {@code id}. */
    TestLogStore store(String id) {
        return node(id).store;
    }

    /** Returns the entries handed to {@code id}'s applier since its last (re)start, in order. */
    List<LogEntry> applied(String id) {
        TestNode n = node(id);
        return List.copyOf(n.appliedByIncarnation.get(n.appliedByIncarnation.size() - 1));
    }

    /** Returns the entries handed to {@code id}'s applier in each incarnation, oldest first. */
    List<List<LogEntry>> appliedByIncarnation(String id) {
        return List.copyOf(node(id).appliedByIncarnation);
    }

    /** Returns every read {@code id} confirmed since its last (re)start. */
    List<ReadState> reads(String id) {
        return List.copyOf(node(id).reads);
    }

    /** Returns every ready {@code id}'s cores produced, in order. */
    List<Ready> readies(String id) {
        return List.copyOf(node(id).readies);
    }

    /** Returns the ids of the nodes that are currently leaders, with their terms. */
    Map<String, Long> leaders() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (TestNode n : nodes.values()) {
            if (n.core.role() == Role.LEADER) {
                out.put(n.id.value(), n.core.term());
            }
        }
        return out;
    }

    /** Returns the one leader that every node follows in its term, if the cluster has settled so. */
    Optional<String> settledLeader() {
        Map<String, Long> leaders = leaders();
        if (leaders.size() != 1) {
            return Optional.empty();
        }
        Map.Entry<String, Long> leader = leaders.entrySet().iterator().next();
        NodeId leaderId = NodeId.of(leader.getKey());
        for (TestNode n : nodes.values()) {
            if (n.core.term() != leader.getValue() || !n.core.leader().equals(Optional.of(leaderId))) {
                return Optional.empty();
            }
        }
        return Optional.of(leader.getKey());
    }

    /**
     * Replaces {@code id}'s durable state by a log with the given entry terms and the hard state
     * {@code hs}, and restarts its core from it (to build the paper's log shapes).
     */
    void setLog(String id, HardState hs, long... terms) {
        TestNode n = node(id);
        n.store = TestLogStore.withTerms(hs, terms);
        n.restart();
    }

    /** In manual mode, {@code id}'s persist steps wait for {@link #persist(String)}. */
    void setManualPersist(String id, boolean manual) {
        node(id).manualPersist = manual;
    }

    /** Runs every waiting persist step of {@code id}, in order, and drains what follows. */
    void persist(String id) {
        TestNode n = node(id);
        persistAll(n);
        drain(n);
    }

    /**
     * Loses {@code id}'s unpersisted readies, restarts it from its store and handles its first
     * ready (the committed entries it re-applies).
     */
    void crash(String id) {
        TestNode n = node(id);
        n.restart();
        drain(n);
    }

    /**
     * Crashes {@code id} and restarts it with its last {@code count} durable entries gone: a fault
     * outside Raft's model (durable data lost), for testing how a leader copes with it.
     */
    void crashLosingLastEntries(String id, int count) {
        TestNode n = node(id);
        n.store.loseLast(count);
        n.restart();
        drain(n);
    }

    // ---------------------------------------------------------------- inputs

    /** Ticks {@code id} once. */
    void tick(String id) {
        TestNode n = node(id);
        n.core.tick();
        drain(n);
    }

    /** Ticks every node once, in id order. */
    void tickAll() {
        for (TestNode n : nodes.values()) {
            n.core.tick();
            drain(n);
        }
    }

    /** Wakes {@code id}'s core as a host's liveness does ({@link RaftCore#wake()}). */
    void wake(String id) {
        TestNode n = node(id);
        n.core.wake();
        drain(n);
    }

    /** Wakes {@code id}'s core as a host's liveness does when its leader's host went silent. */
    void wakeLeaderLost(String id, int groupHash) {
        TestNode n = node(id);
        n.core.wakeLeaderLost(groupHash);
        drain(n);
    }

    /** Proposes one command per text at {@code id}; returns what {@link RaftCore#propose} returned. */
    Proposal propose(String id, String... commands) {
        List<byte[]> payloads = new ArrayList<>();
        for (String c : commands) {
            payloads.add(c.getBytes(StandardCharsets.UTF_8));
        }
        TestNode n = node(id);
        Proposal proposal = n.core.propose(payloads);
        drain(n);
        return proposal;
    }

    /** Proposes as {@link #propose} does, at a node that must lead; returns the first index. */
    long proposeAtLeader(String id, String... commands) {
        Proposal proposal = propose(id, commands);
        assertThat(proposal).as("proposal at %s", id).isInstanceOf(Proposal.Appended.class);
        return ((Proposal.Appended) proposal).firstIndex();
    }

    /** Starts a read at {@code id}; returns what {@link RaftCore#readIndex} returned. */
    boolean readIndex(String id, long context) {
        TestNode n = node(id);
        boolean queued = n.core.readIndex(context);
        drain(n);
        return queued;
    }

    /** Starts a read served on {@code id} with the leader's read index; returns what {@link RaftCore#followerRead} returned. */
    FollowerReadStart followerRead(String id, long context) {
        TestNode n = node(id);
        FollowerReadStart start = n.core.followerRead(context);
        drain(n);
        return start;
    }

    /** Starts several follower reads on {@code id} before its next ready, as a driver batch does. */
    void followerReadTogether(String id, long... contexts) {
        TestNode n = node(id);
        for (long context : contexts) {
            n.core.followerRead(context);
        }
        drain(n);
    }

    /** Starts a lease read at {@code id} at the current clock; returns what {@link RaftCore#leaseRead} returned. */
    boolean leaseRead(String id, long context) {
        TestNode n = node(id);
        boolean queued = n.core.leaseRead(context, nanos);
        drain(n);
        return queued;
    }

    /** Returns the ids of the reads {@code id}'s core dropped since the last call, as the driver takes them. */
    List<Long> takeDroppedReads(String id) {
        return node(id).core.takeDroppedReads();
    }

    /** Moves the drivers' clock forward (ticks stay separate: the test ticks as it likes). */
    void advanceNanos(long delta) {
        nanos += delta;
    }

    /** Starts several reads on {@code id} before its next ready, as a driver batch does. */
    void readIndexTogether(String id, long... contexts) {
        TestNode n = node(id);
        for (long context : contexts) {
            n.core.readIndex(context);
        }
        drain(n);
    }

    /**
     * Makes {@code id} leader: ticks only it until it starts a (pre-)campaign, delivers everything,
     * and repeats (a few rounds at most, e.g. when a first campaign is refused or undecided).
     *
     * @throws AssertionError if it did not become leader
     */
    void elect(String id) {
        TestNode n = node(id);
        for (int round = 0; round < 10 && n.core.role() != Role.LEADER; round++) {
            int mark = n.readies.size();
            for (int t = 0; t <= 2 * options.electionTimeoutMax() && n.core.role() != Role.LEADER
                    && !campaignedSince(n, mark); t++) {
                tick(id);
            }
            stabilize();
        }
        if (n.core.role() != Role.LEADER) {
            throw new AssertionError(id + " did not become leader; it is " + n.core.role() + " in term "
                    + n.core.term());
        }
    }

    /** Returns whether {@code n} asked for (pre-)votes in a ready after the first {@code mark}. */
    private static boolean campaignedSince(TestNode n, int mark) {
        return n.readies.subList(mark, n.readies.size()).stream()
                .flatMap(r -> Stream.concat(r.messages().stream(), r.afterPersist().stream()))
                .anyMatch(m -> m instanceof RequestVote);
    }

    // ---------------------------------------------------------------- network

    /** Returns the messages sent and not yet delivered or dropped. */
    List<RaftMessage> inFlight() {
        return List.copyOf(inFlight);
    }

    /** Returns how many messages entered the network so far; a mark for {@link #sentSince}. */
    int sentCount() {
        return sent.size();
    }

    /** Returns the messages of {@code type} that entered the network after {@code mark}. */
    <T extends RaftMessage> List<T> sentSince(int mark, Class<T> type) {
        return sent.subList(mark, sent.size()).stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Returns the in-flight messages of a type. */
    <T extends RaftMessage> List<T> inFlight(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (RaftMessage m : inFlight) {
            if (type.isInstance(m)) {
                out.add(type.cast(m));
            }
        }
        return out;
    }

    /** Delivers every message in flight now (not those they cause); returns how many. */
    int deliverAll() {
        return deliver(m -> true);
    }

    /** Delivers, in order, the in-flight messages {@code which} selects (one pass); returns how many. */
    int deliver(Predicate<RaftMessage> which) {
        List<RaftMessage> batch = take(which);
        batch.forEach(this::deliver);
        return batch.size();
    }

    /** Delivers until nothing is in flight. */
    void stabilize() {
        int total = 0;
        while (!inFlight.isEmpty()) {
            total += deliverAll();
            if (total > MAX_STEPS) {
                throw new IllegalStateException("the cluster did not settle after " + total + " messages");
            }
        }
    }

    /** Removes and returns the in-flight messages {@code which} selects, to deliver later by hand. */
    List<RaftMessage> take(Predicate<RaftMessage> which) {
        List<RaftMessage> out = new ArrayList<>();
        for (Iterator<RaftMessage> it = inFlight.iterator(); it.hasNext();) {
            RaftMessage m = it.next();
            if (which.test(m)) {
                out.add(m);
                it.remove();
            }
        }
        return out;
    }

    /** Discards the in-flight messages {@code which} selects. */
    void drop(Predicate<RaftMessage> which) {
        take(which);
    }

    /** Steps {@code m} into its receiver now, even over a cut link, and drains the receiver. */
    void deliver(RaftMessage m) {
        TestNode n = node(m.to().value());
        n.core.step(m);
        drain(n);
    }

    /** From now on, discards every sent message {@code rule} selects. */
    void dropAlways(Predicate<RaftMessage> rule) {
        dropRules.add(rule);
    }

    /** Discards messages from {@code from} to {@code to} from now on (one way). */
    void cut(String from, String to) {
        cutLinks.add(List.of(NodeId.of(from), NodeId.of(to)));
    }

    /** Cuts every link to and from {@code id}, and drops what is in flight on them. */
    void isolate(String id) {
        NodeId isolated = NodeId.of(id);
        for (NodeId other : nodes.keySet()) {
            if (!other.equals(isolated)) {
                cut(id, other.value());
                cut(other.value(), id);
            }
        }
        drop(m -> m.from().equals(isolated) || m.to().equals(isolated));
    }

    /** Restores every link and removes every drop rule. */
    void heal() {
        cutLinks.clear();
        dropRules.clear();
    }

    // ---------------------------------------------------------------- the driver's part

    private void send(RaftMessage m) {
        if (cutLinks.contains(List.of(m.from(), m.to())) || dropRules.stream().anyMatch(r -> r.test(m))) {
            return;
        }
        inFlight.add(m);
        sent.add(m);
    }

    /** Takes and handles readies until the core has none (persisting at once unless manual). */
    private void drain(TestNode n) {
        for (int i = 0; n.core.hasReady(); i++) {
            if (i > MAX_STEPS) {
                throw new IllegalStateException(n.id + " keeps producing readies");
            }
            Ready ready = n.core.ready(Long.MAX_VALUE, nanos);
            n.readies.add(ready);
            ready.messages().forEach(this::send);
            n.appliedByIncarnation.get(n.appliedByIncarnation.size() - 1).addAll(ready.committed());
            n.reads.addAll(ready.reads());
            if (ready.needsPersistStep()) {
                n.unpersisted.add(ready);
            }
            if (!n.manualPersist) {
                persistAll(n);
            }
        }
    }

    private void persistAll(TestNode n) {
        while (!n.unpersisted.isEmpty()) {
            Ready ready = n.unpersisted.poll();
            try {
                n.store.persist(ready.hardState(), ready.entries());
            } catch (IOException e) {
                throw new UncheckedIOException("the scenario store failed to persist on " + n.id, e);
            }
            ready.afterPersist().forEach(this::send);
            if (!ready.entries().isEmpty()) {
                LogEntry last = ready.entries().get(ready.entries().size() - 1);
                n.core.onPersisted(last.index(), last.term());
            }
        }
    }

    private TestNode node(String id) {
        TestNode n = nodes.get(NodeId.of(id));
        if (n == null) {
            throw new IllegalArgumentException("no node " + id + " in " + nodes.keySet());
        }
        return n;
    }
}
