package dev.raftkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.ReadPolicy;
import dev.raftkit.Role;
import dev.raftkit.it.harness.Await;
import dev.raftkit.it.harness.FaultSchedule;
import dev.raftkit.it.harness.ForwardingClusterAccess;
import dev.raftkit.it.harness.KvWorkload;
import dev.raftkit.it.harness.LocalCluster;
import dev.raftkit.it.harness.NodeObservation;
import dev.raftkit.it.harness.OperationException;
import dev.raftkit.it.harness.Ports;
import dev.raftkit.it.harness.RunChecks;
import dev.raftkit.it.harness.StatusMonitor;
import dev.raftkit.it.harness.Toxiproxies;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.linearizability.History;
import dev.raftkit.testkit.linearizability.KvInput;
import dev.raftkit.testkit.linearizability.KvOutput;
import dev.raftkit.testkit.toxiproxy.ToxiproxyEndpoint;
import dev.raftkit.testkit.toxiproxy.ToxiproxyExtension;
import dev.raftkit.testkit.toxiproxy.ToxiproxyNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Follower reads and lease reads stay linearizable while the leader is partitioned away from the
 * majority (issue 18): real nodes (raft-core, LMDB, gRPC) behind Toxiproxy, the leader repeatedly
 * put in a minority ({@link FaultShape#MAJORITY_PARTITION}) and healed, while clients write through
 * the newest leader and clients and dedicated readers read with {@link ReadPolicy#LEASE} on nodes
 * that believe themselves leader (the old leader, half the time, while it is cut off) and
 * {@link ReadPolicy#FOLLOWER} on every other node. The history holds only writes and those reads
 * (the checks' final reads take the same routes); the linearizability checker finds any stale
 * read, such as one the old leader served after the new leader committed a write.
 *
 * <p>Seeded by {@value FaultSchedule#SEED_PROPERTY} (the seed and the fault schedule are printed on
 * failure); each run applies faults for {@link #FAULT_WINDOW}.
 */
class ReadPoliciesPartitionTest {

    private static final Duration FAULT_WINDOW = Duration.ofSeconds(10);
    private static final Duration LEADER_BOUND = Duration.ofSeconds(30);
    /** How many of the keys written last the readers choose from. */
    private static final int RECENT_KEYS = 4;

    @RegisterExtension
    static final ToxiproxyExtension TOXIPROXY = Toxiproxies.forThisMachine();

    @TempDir
    Path dataRoot;

    @ParameterizedTest(name = "leader partitioned away from the majority of {0} nodes")
    @ValueSource(ints = {3, 5})
    void followerAndLeaseReadsStayLinearizable(int size) throws Exception {
        ToxiproxyEndpoint endpoint = TOXIPROXY.endpoint();
        Map<NodeId, Address> addresses = Ports.nodeAddresses(endpoint.serviceBindHost(), size);
        FaultSchedule schedule = FaultSchedule.seeded();
        schedule.log("reads under MAJORITY_PARTITION on " + size + " nodes at " + addresses);
        try (ToxiproxyNetwork network = ToxiproxyNetwork.create(endpoint, addresses);
                LocalCluster cluster = LocalCluster.start(membersThroughProxies(network), dataRoot)) {
            Await.value("a first leader", LEADER_BOUND, cluster::leader);
            StatusMonitor monitor = StatusMonitor.start(cluster, Duration.ofMillis(25));
            PolicyReads reads = new PolicyReads(cluster, new Random(schedule.seed() ^ 0x7ead5L));
            KvWorkload workload = new KvWorkload(reads, new KvWorkload.Settings(2 * size, Duration.ofSeconds(3),
                    Duration.ofSeconds(1), 3, Duration.ofMillis(5)), schedule.seed());
            Readers readers = new Readers(reads, workload.history(), size);
            try {
                workload.start();
                readers.start();
                Thread.sleep(500);
                new FaultRun(network, cluster, schedule).run(FaultShape.MAJORITY_PARTITION, FAULT_WINDOW);
                readers.stop();
                workload.stop();
                schedule.log("reads served by policy: " + reads.served());
                RunChecks.verify("reads under MAJORITY_PARTITION", reads, workload, monitor, schedule);
            } finally {
                readers.stop();
                workload.stop();
                monitor.close();
            }
            assertThat(reads.served()).as("reads served per policy; %s", schedule.describe())
                    .hasEntrySatisfying(ReadPolicy.LEASE, n -> assertThat(n).isPositive())
                    .hasEntrySatisfying(ReadPolicy.FOLLOWER, n -> assertThat(n).isPositive());
        }
    }

    private static Map<NodeId, Map<NodeId, Address>> membersThroughProxies(ToxiproxyNetwork network) {
        Map<NodeId, Map<NodeId, Address>> members = new TreeMap<>();
        network.nodes().forEach(node -> members.put(node, network.membersFor(node)));
        return members;
    }

    /**
     * The cluster as the workload sees it, with its own routing. A write goes to the node that
     * reports itself leader in the highest term (the client's target when none does), so writes
     * reach a new leader as soon as it is elected, while the old one may still believe it leads. Half
     * the reads go to the node that reports itself leader in the lowest term (the old leader, while
     * it has not yet noticed the partition), the others to any node; a read uses {@code LEASE} if its
     * node reports itself leader and {@code FOLLOWER} otherwise. Counts the reads each policy served.
     */
    private static final class PolicyReads extends ForwardingClusterAccess {

        private final LocalCluster cluster;
        private final Random random;
        private final Map<ReadPolicy, AtomicLong> served = new EnumMap<>(ReadPolicy.class);
        /** The keys written last, most recent last. */
        private final Deque<String> recentKeys = new ArrayDeque<>();

        PolicyReads(LocalCluster cluster, Random random) {
            super(cluster);
            this.cluster = cluster;
            this.random = random;
            served.put(ReadPolicy.LEASE, new AtomicLong());
            served.put(ReadPolicy.FOLLOWER, new AtomicLong());
        }

        /** Returns how many reads each policy served. */
        Map<ReadPolicy, Long> served() {
            Map<ReadPolicy, Long> counts = new EnumMap<>(ReadPolicy.class);
            served.forEach((policy, count) -> counts.put(policy, count.get()));
            return counts;
        }

        @Override
        public String write(NodeId node, KvCommand command, Duration timeout) throws OperationException {
            synchronized (recentKeys) {
                recentKeys.remove(command.key());
                recentKeys.addLast(command.key());
                if (recentKeys.size() > RECENT_KEYS) {
                    recentKeys.removeFirst();
                }
            }
            return cluster.write(cluster.leader().orElse(node), command, timeout);
        }

        @Override
        public Optional<String> read(NodeId node, String key, Duration timeout) throws OperationException {
            return readAnywhere(key, timeout);
        }

        /** Reads {@code key} on a node and with a policy of this class's choice. */
        Optional<String> readAnywhere(String key, Duration timeout) throws OperationException {
            Optional<NodeId> oldestLeader = cluster.nodes().stream().map(cluster::observe).flatMap(Optional::stream)
                    .filter(o -> o.role() == Role.LEADER).min(Comparator.comparingLong(NodeObservation::term))
                    .map(NodeObservation::node);
            NodeId target = oldestLeader.isPresent() && coinToss() ? oldestLeader.get() : randomOf(cluster.nodes());
            ReadPolicy policy = believesItLeads(target) ? ReadPolicy.LEASE : ReadPolicy.FOLLOWER;
            Optional<String> value = cluster.read(target, key, policy, timeout);
            served.get(policy).incrementAndGet();
            return value;
        }

        /** Returns one of the keys written last, drawn at random, or empty before the first write. */
        Optional<String> recentKey() {
            synchronized (recentKeys) {
                List<String> keys = List.copyOf(recentKeys);
                return keys.isEmpty() ? Optional.empty() : Optional.of(keys.get(randomIndex(keys.size())));
            }
        }

        private boolean believesItLeads(NodeId node) {
            return cluster.observe(node).map(o -> o.role() == Role.LEADER).orElse(false);
        }

        private boolean coinToss() {
            synchronized (random) {
                return random.nextBoolean();
            }
        }

        private NodeId randomOf(List<NodeId> nodes) {
            return nodes.get(randomIndex(nodes.size()));
        }

        private int randomIndex(int bound) {
            synchronized (random) {
                return random.nextInt(bound);
            }
        }
    }

    /**
     * Threads that only read, through {@link PolicyReads}, the keys written last, recording each
     * read in the workload's history. The workload's own clients write too, and may all wait on a
     * write to the cut-off leader at once; these keep reading meanwhile, when a stale read can
     * happen.
     */
    private static final class Readers {

        private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
        private static final long PAUSE_MILLIS = 2;
        private static final long FAILURE_PAUSE_MILLIS = 20;

        private final PolicyReads reads;
        private final History<KvInput<String>, KvOutput<String>> history;
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean running = true;

        Readers(PolicyReads reads, History<KvInput<String>, KvOutput<String>> history, int count) {
            this.reads = reads;
            this.history = history;
            for (int i = 0; i < count; i++) {
                Thread thread = new Thread(this::readUntilStopped, "policy-reader-" + i);
                thread.setDaemon(true);
                threads.add(thread);
            }
        }

        void start() {
            threads.forEach(Thread::start);
        }

        /** Stops the readers; each finishes its current read (bounded by its timeout). Idempotent. */
        void stop() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.join(READ_TIMEOUT.toMillis() + 5_000);
                assertThat(thread.isAlive()).as("%s stopped", thread.getName()).isFalse();
            }
        }

        private void readUntilStopped() {
            int process = history.newProcess();
            try {
                while (running) {
                    Optional<String> key = reads.recentKey();
                    if (key.isPresent()) {
                        long id = history.invoke(process, key.get(), KvInput.get());
                        try {
                            Optional<String> value = reads.readAnywhere(key.get(), READ_TIMEOUT);
                            history.ok(id, value.<KvOutput<String>>map(KvOutput::value).orElseGet(KvOutput::absent));
                        } catch (OperationException e) {
                            history.fail(id);
                            process = history.newProcess();
                            Thread.sleep(FAILURE_PAUSE_MILLIS);
                        }
                    }
                    Thread.sleep(PAUSE_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
