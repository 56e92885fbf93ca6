package dev.raftkit.bench.cluster;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.NodeStatus;
import dev.raftkit.Raft;
import dev.raftkit.RaftHost;
import dev.raftkit.Role;
import dev.raftkit.examples.CounterStateMachine;
import dev.raftkit.examples.LoopbackPorts;
import dev.raftkit.spi.LogStoreProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Three {@link RaftHost}s in this JVM on loopback, each with its own log store (counting its
 * durable writes, see {@link CountingHostLogStore}), running groups of three members, one per host,
 * each with the counter state machine: what the group workloads measure. Member {@code hN} of every
 * group lives on host {@code N}.
 */
final class BenchHosts implements AutoCloseable {

    /** How many hosts: every group has one member on each. */
    static final int HOSTS = 3;

    private final Path dataDir;
    private final List<Address> addresses = new ArrayList<>();
    private final Map<NodeId, Address> members = new LinkedHashMap<>();
    /** Running hosts by index; an entry is null once that host is closed (by any thread). */
    private final AtomicReferenceArray<RaftHost> hosts = new AtomicReferenceArray<>(HOSTS);
    private final CountingHostLogStore[] stores = new CountingHostLogStore[HOSTS];
    /** Each group's member on each host, by host index. */
    private final Map<GroupId, List<Node<Long, Long>>> groups = new LinkedHashMap<>();
    /** When each group first had a leader, in {@link System#nanoTime()}. */
    private final Map<GroupId, Long> firstLeader = new ConcurrentHashMap<>();
    private final LongAdder candidacies = new LongAdder();
    /** Counts down as each group started by {@link #startGroups} first has a leader. */
    private volatile CountDownLatch leaderless;

    /**
     * Starts the hosts, without groups.
     *
     * @param root where the hosts' data directories go (removed by {@link #close()})
     * @param providers the log store and transport every host uses
     */
    BenchHosts(Path root, HostProviders providers) throws IOException {
        this.dataDir = Files.createTempDirectory(root, "hosts");
        List<Integer> ports = LoopbackPorts.distinct(HOSTS);
        for (int i = 0; i < HOSTS; i++) {
            Address address = new Address("127.0.0.1", ports.get(i));
            addresses.add(address);
            members.put(memberId(i), address);
        }
        LogStoreProvider storeProvider = logStoreProvider(providers.logStore());
        try {
            for (int i = 0; i < HOSTS; i++) {
                HostConfig config = HostConfig.builder(addresses.get(i)).dataDir(dataDir.resolve(memberId(i).value()))
                        .logStore(providers.logStore()).transport(providers.transport()).build();
                stores[i] = new CountingHostLogStore(storeProvider.openHost(config));
                hosts.set(i, Raft.host(config).logStore(stores[i]).start());
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private static LogStoreProvider logStoreProvider(String name) {
        return ServiceLoader.load(LogStoreProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> new IllegalStateException(
                        "no log store provider named \"" + name + "\" on the class path"));
    }

    /** {@return the member id of every group on host {@code host}} */
    static NodeId memberId(int host) {
        return NodeId.of("h" + (host + 1));
    }

    /**
     * Starts {@code count} groups on every host and returns once they are started:
     * {@link #awaitLeaders} waits for their elections. Each host starts them in order on a thread
     * of its own, as hosts in their own processes would. Called once.
     *
     * @param timeout how long starting them may take
     * @return the groups started, in order
     * @throws IllegalStateException if groups were started already
     * @throws TimeoutException saying how many groups each host started, if starting them takes longer
     * @throws ExecutionException if a host failed to start a group
     */
    List<GroupId> startGroups(int count, Duration timeout)
            throws InterruptedException, TimeoutException, ExecutionException {
        if (leaderless != null) {
            throw new IllegalStateException("the groups of these hosts were started already");
        }
        leaderless = new CountDownLatch(count);
        List<GroupId> ids = IntStream.range(0, count).mapToObj(g -> GroupId.of(String.format(Locale.ROOT, "g%05d", g)))
                .toList();
        List<List<Node<Long, Long>>> byHost = new ArrayList<>();
        ExecutorService starters = Executors.newFixedThreadPool(HOSTS);
        try {
            List<Future<?>> starts = new ArrayList<>();
            for (int h = 0; h < HOSTS; h++) {
                List<Node<Long, Long>> nodes = Collections.synchronizedList(new ArrayList<>(count));
                byHost.add(nodes);
                int host = h;
                starts.add(starters.submit(() -> ids.forEach(id -> nodes.add(startMember(id, host)))));
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            for (Future<?> start : starts) {
                start.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (TimeoutException e) {
            throw new TimeoutException("starting " + count + " groups took longer than " + timeout.toSeconds()
                    + " s: the hosts had started " + byHost.stream().map(n -> Integer.toString(n.size()))
                    .collect(Collectors.joining("/")));
        } finally {
            starters.shutdownNow();
        }
        for (int g = 0; g < count; g++) {
            int group = g;
            groups.put(ids.get(g), byHost.stream().map(nodes -> nodes.get(group)).toList());
        }
        return ids;
    }

    private Node<Long, Long> startMember(GroupId id, int host) {
        Config config = Config.builder(memberId(host), members).maxInflightWrites(100_000).build();
        return hosts.get(host).group(id, config).stateMachine(new CounterStateMachine())
                .codec(CounterStateMachine.CODEC).listener(new Watch(id)).start();
    }

    /**
     * Waits until every group started by {@link #startGroups} has had a leader.
     *
     * @throws TimeoutException naming how many groups, and which first, still had none
     */
    void awaitLeaders(Duration timeout) throws InterruptedException, TimeoutException {
        if (!leaderless.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            List<GroupId> without = groups.keySet().stream().filter(g -> !firstLeader.containsKey(g)).toList();
            throw new TimeoutException(without.size() + " of " + groups.size() + " groups had no leader within "
                    + timeout.toSeconds() + " s, e.g. " + without.stream().limit(5).map(this::describe).toList());
        }
    }

    /** {@return the group with each member's role, term and leader, as it is now} */
    private String describe(GroupId group) {
        StringBuilder sb = new StringBuilder(group.value()).append(" (");
        for (Node<Long, Long> member : groups.get(group)) {
            NodeStatus s = member.status();
            sb.append(s.id()).append(": ").append(s.role()).append(" in term ").append(s.term()).append(", leader ")
                    .append(s.leader().map(NodeId::value).orElse("unknown")).append(s.id().equals(
                            memberId(HOSTS - 1)) ? ")" : "; ");
        }
        return sb.toString();
    }

    /** {@return when the last of the groups first had a leader, in {@link System#nanoTime()}} */
    long lastFirstLeaderNanos() {
        return firstLeader.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    }

    /** {@return how many elections members of every group have started so far} */
    long candidacies() {
        return candidacies.sum();
    }

    /** {@return the durable writes host {@code host}'s store was asked for so far} */
    long syncs(int host) {
        return stores[host].syncs();
    }

    /** {@return the microseconds each host-wide persist of host {@code host} took since the last call} */
    Histogram persistMicros(int host) {
        return stores[host].persistMicrosSinceLastCall();
    }

    /** {@return the member of {@code group} on {@code host}} */
    Node<Long, Long> member(GroupId group, int host) {
        return groups.get(group).get(host);
    }

    /** {@return the index of the running host whose member of {@code group} leads now, if any} */
    Optional<Integer> leaderHost(GroupId group) {
        List<Node<Long, Long>> nodes = groups.get(group);
        for (int h = 0; h < HOSTS; h++) {
            if (hosts.get(h) != null && nodes.get(h).role() == Role.LEADER) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    /** {@return the member of {@code group} that leads now on a running host, if any} */
    Optional<Node<Long, Long>> leader(GroupId group) {
        return leaderHost(group).map(h -> member(group, h));
    }

    /** {@return how many of {@code led} each host leads now, by host index} */
    int[] leadersPerHost(Collection<GroupId> led) {
        int[] counts = new int[HOSTS];
        for (GroupId g : led) {
            leaderHost(g).ifPresent(h -> counts[h]++);
        }
        return counts;
    }

    /**
     * Moves leadership of {@code led} with {@link Node#transferLeadership} until no host leads more
     * than its share (the count divided by the hosts, rounded up), or {@code timeout} passes.
     *
     * @return how many each host leads in the end, by host index
     */
    int[] balanceLeaders(Collection<GroupId> led, Duration timeout) throws InterruptedException {
        int share = (led.size() + HOSTS - 1) / HOSTS;
        long deadline = System.nanoTime() + timeout.toNanos();
        int[] counts = leadersPerHost(led);
        while (Arrays.stream(counts).max().orElse(0) > share && System.nanoTime() < deadline) {
            List<CompletableFuture<Void>> transfers = new ArrayList<>();
            int[] planned = counts.clone();
            for (GroupId g : led) {
                Optional<Integer> from = leaderHost(g);
                if (from.isPresent() && planned[from.get()] > share) {
                    int to = fewest(planned);
                    planned[from.get()]--;
                    planned[to]++;
                    transfers.add(member(g, from.get()).transferLeadership(memberId(to)));
                }
            }
            try {
                CompletableFuture.allOf(transfers.toArray(CompletableFuture[]::new))
                        .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // some transfers failed or are late (a lost election, a busy leader): count again and retry
            }
            counts = leadersPerHost(led);
        }
        return counts;
    }

    private static int fewest(int[] counts) {
        int best = 0;
        for (int h = 1; h < counts.length; h++) {
            if (counts[h] < counts[best]) {
                best = h;
            }
        }
        return best;
    }

    /** Closes host {@code host} as a crash would end it: its groups are not stopped first. */
    void closeHost(int host) {
        RaftHost closing = hosts.getAndSet(host, null);
        if (closing != null) {
            closing.close();
        }
    }

    @Override
    public void close() throws IOException {
        for (int h = 0; h < HOSTS; h++) {
            closeHost(h);
        }
        for (CountingHostLogStore store : stores) {
            if (store != null) {
                store.close(); // the host closed it already if it started: closing is idempotent
            }
        }
        try (Stream<Path> paths = Files.walk(dataDir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Hears one member's role changes: the group's first leader, and every election it starts. */
    private final class Watch implements NodeListener {

        private final GroupId group;

        Watch(GroupId group) {
            this.group = group;
        }

        @Override
        public void onRoleChange(Role role, long term) {
            if (role == Role.CANDIDATE) {
                candidacies.increment();
            } else if (role == Role.LEADER && firstLeader.putIfAbsent(group, System.nanoTime()) == null) {
                leaderless.countDown();
            }
        }
    }
}
