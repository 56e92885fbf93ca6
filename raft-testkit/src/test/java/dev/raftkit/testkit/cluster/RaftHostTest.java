package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.Membership;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.Raft;
import dev.raftkit.RaftHost;
import dev.raftkit.SnapshotInfo;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import dev.raftkit.testkit.memory.MemoryHostDisk;
import dev.raftkit.testkit.memory.MemoryLogStoreProvider;
import dev.raftkit.testkit.tck.ForwardingHostLogStore;
import dev.raftkit.testkit.tck.ForwardingLogStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs groups on three {@link RaftHost}s over the memory providers: each group elects and commits on
 * its own, keeps its data apart, survives a restart of its hosts, and the hosts share threads and
 * syncs among their groups.
 */
class RaftHostTest {

    private static final int HOSTS = 3;

    /** Unique per test, so hosts and disks of different tests never meet on the JVM-wide memory network. */
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final Path root = Path.of("/memory/raft-host-test-" + run);
    private final List<RaftHost> hosts = new ArrayList<>();
    /** The state machine of each group on each host, by {@code group@host}. */
    private final Map<String, KvStateMachine> machines = new ConcurrentHashMap<>();

    @AfterEach
    void closeHosts() {
        hosts.forEach(RaftHost::close);
    }

    private Address address(int host) {
        return new Address("host" + host + "-" + run, 7000);
    }

    private HostConfig hostConfig(int host, Duration tick) {
        return HostConfig.builder(address(host)).dataDir(root.resolve("host" + host)).logStore("memory")
                .transport("memory").threads(2).tickInterval(tick).build();
    }

    private List<RaftHost> startHosts(Duration tick) {
        List<RaftHost> started = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            RaftHost host = Raft.host(hostConfig(i, tick)).start();
            hosts.add(host);
            started.add(host);
        }
        return started;
    }

    /** Group {@code group}'s member on host {@code host}; member ids differ from group to group. */
    private static NodeId member(GroupId group, int host) {
        return NodeId.of(group + "-m" + host);
    }

    private Config groupConfig(GroupId group, int host) {
        Map<NodeId, Address> members = new TreeMap<>();
        for (int i = 0; i < HOSTS; i++) {
            members.put(member(group, i), address(i));
        }
        return Config.builder(member(group, host), members).build();
    }

    /** Starts {@code group} on every host of {@code on}; returns its nodes, by host. */
    private List<Node<KvCommand, String>> startGroup(List<RaftHost> on, GroupId group) {
        List<Node<KvCommand, String>> nodes = new ArrayList<>();
        for (int i = 0; i < on.size(); i++) {
            KvStateMachine machine = new KvStateMachine();
            machines.put(group + "@" + i, machine);
            nodes.add(on.get(i).<KvCommand, String>group(group, groupConfig(group, i))
                    .stateMachine(machine).codec(KvCommand.CODEC).start());
        }
        return nodes;
    }

    private static Node<KvCommand, String> leader(List<Node<KvCommand, String>> nodes) {
        NodeId leader = Await.value(nodes.get(0).awaitLeader());
        return nodes.stream().filter(n -> n.id().equals(leader)).findFirst().orElseThrow();
    }

    /**
     * Puts through the group's leader, again at the new leader if leadership moved (the test's
     * machines share two cores, so an election may come late): a put may repeat harmlessly.
     */
    private static void put(List<Node<KvCommand, String>> nodes, String key, String value) {
        for (int attempt = 1; ; attempt++) {
            CompletableFuture<String> write = leader(nodes).write(KvCommand.put(key, value));
            Throwable failure = Await.outcome(write);
            if (failure == null) {
                return;
            }
            if (!(failure instanceof NotLeaderException || failure instanceof NoLeaderException) || attempt == 20) {
                throw new AssertionError("put " + key + " failed after " + attempt + " attempts", failure);
            }
        }
    }

    private void awaitValueEverywhere(GroupId group, String key, String value) {
        for (int i = 0; i < HOSTS; i++) {
            KvStateMachine machine = machines.get(group + "@" + i);
            Await.until(group + " on host " + i + " applies " + key + "=" + value,
                    () -> machine.get(key).filter(value::equals).isPresent());
        }
    }

    private static List<GroupId> groupIds(int from, int to) {
        List<GroupId> ids = new ArrayList<>();
        for (int i = from; i < to; i++) {
            ids.add(GroupId.of("g" + i));
        }
        return ids;
    }

    @Test
    void groupsElectAndCommitIndependentlyAndKeepTheirDataApart() {
        List<RaftHost> on = startHosts(Config.DEFAULT_TICK_INTERVAL);
        Map<GroupId, List<Node<KvCommand, String>>> groups = new TreeMap<>();
        for (GroupId group : groupIds(0, 5)) {
            groups.put(group, startGroup(on, group));
        }

        groups.forEach((group, nodes) -> put(nodes, "owner", group.value()));

        for (GroupId group : groups.keySet()) {
            awaitValueEverywhere(group, "owner", group.value());
            for (int i = 0; i < HOSTS; i++) {
                assertThat(machines.get(group + "@" + i).snapshotOfData()).containsExactly(
                        Map.entry("owner", group.value()));
            }
        }
        assertThat(on.get(1).groups()).containsExactlyElementsOf(groups.keySet());
        assertThat(on.get(1).node(GroupId.of("g3"))).map(Node::id).contains(member(GroupId.of("g3"), 1));
        assertThat(on.get(1).node(GroupId.of("unknown"))).isEmpty();
        assertThat(on.get(2).address()).isEqualTo(address(2));
    }

    @Test
    void aGroupsMessagesNameTheGroupBesideTheMember() {
        GroupId group = GroupId.of("named");
        List<Node<KvCommand, String>> nodes = startGroup(startHosts(Config.DEFAULT_TICK_INTERVAL), group);
        Node<KvCommand, String> leader = leader(nodes);
        Node<KvCommand, String> follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();

        Throwable refused = Await.outcome(follower.write(KvCommand.put("k", "v")));

        assertThat(refused).isInstanceOfAny(NotLeaderException.class, NoLeaderException.class)
                .hasMessageStartingWith("[" + group + "/" + follower.id() + "] ");
    }

    @Test
    void rebalanceLeadersOnEveryHostSpreadsTheLeaders() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<RaftHost> on = startHosts(Config.DEFAULT_TICK_INTERVAL);
        Map<GroupId, List<Node<KvCommand, String>>> groups = new TreeMap<>();
        for (GroupId group : groupIds(0, 30)) {
            groups.put(group, startGroup(on, group));
        }
        groups.values().forEach(nodes -> moveLeadership(nodes, nodes.get(0)));
        assertThat(leadersPerHost(groups)).as("seed %d: every group first led by host 0", seed)
                .containsEntry(0, 30);
        List<RaftHost> order = new ArrayList<>(on);
        Collections.shuffle(order, random);

        int transfers = 0;
        for (RaftHost host : order) {
            transfers += Await.value(host.rebalanceLeaders());
        }

        Map<Integer, Integer> leaders = leadersPerHost(groups);
        assertThat(transfers).as("seed %d: transfers, leaders per host %s", seed, leaders).isBetween(18, 22);
        assertThat(leaders.values()).as("seed %d: leaders per host %s", seed, leaders).hasSize(HOSTS)
                .allSatisfy(count -> assertThat(count).isBetween(8, 12));
    }

    /** Hands the group's leadership to {@code target}, again if an election intervenes (bounded). */
    private static void moveLeadership(List<Node<KvCommand, String>> nodes, Node<KvCommand, String> target) {
        for (int attempt = 1; !leader(nodes).equals(target); attempt++) {
            Throwable failure = Await.outcome(leader(nodes).transferLeadership(target.id()));
            if (failure != null && attempt == 20) {
                throw new AssertionError("cannot move the leadership to " + target.id(), failure);
            }
        }
    }

    /** How many groups each host leads, by host index; hosts that lead none are absent. */
    private static Map<Integer, Integer> leadersPerHost(Map<GroupId, List<Node<KvCommand, String>>> groups) {
        Map<Integer, Integer> leaders = new TreeMap<>();
        groups.values().forEach(nodes -> leaders.merge(nodes.indexOf(leader(nodes)), 1, Integer::sum));
        return leaders;
    }

    @Test
    void acknowledgedWritesSurviveARestartOfEveryHost() {
        List<GroupId> ids = groupIds(0, 3);
        List<RaftHost> first = startHosts(Config.DEFAULT_TICK_INTERVAL);
        for (GroupId group : ids) {
            List<Node<KvCommand, String>> nodes = startGroup(first, group);
            for (int w = 0; w < 5; w++) {
                put(nodes, "k" + w, group + "-" + w);
            }
        }
        first.forEach(RaftHost::close);

        List<RaftHost> second = startHosts(Config.DEFAULT_TICK_INTERVAL);
        assertThat(second.get(0).groups()).as("a restarted host starts no group by itself").isEmpty();
        for (GroupId group : ids) {
            startGroup(second, group);
        }
        for (GroupId group : ids) {
            for (int w = 0; w < 5; w++) {
                awaitValueEverywhere(group, "k" + w, group + "-" + w);
            }
        }
    }

    @Test
    void stopGroupWithDeleteDataRemovesOnlyThatGroupsData() {
        List<RaftHost> on = startHosts(Config.DEFAULT_TICK_INTERVAL);
        GroupId doomed = GroupId.of("doomed");
        GroupId kept = GroupId.of("kept");
        put(startGroup(on, doomed), "k", "v");
        put(startGroup(on, kept), "k", "v");
        awaitValueEverywhere(doomed, "k", "v");
        MemoryHostDisk disk0 = MemoryLogStoreProvider.hostDisk(root.resolve("host0"));
        assertThat(disk0.groups()).containsExactlyInAnyOrder(doomed, kept);

        Await.value(on.get(0).stopGroup(doomed, true));
        Await.value(on.get(0).stopGroup(GroupId.of("never-started"), false));

        assertThat(disk0.groups()).containsExactly(kept);
        assertThat(on.get(0).groups()).containsExactly(kept);
        assertThat(on.get(0).node(doomed)).isEmpty();
        assertThat(MemoryLogStoreProvider.hostDisk(root.resolve("host1")).groups()).contains(doomed, kept);
        Await.value(on.get(1).stopGroup(kept, false));
        assertThat(MemoryLogStoreProvider.hostDisk(root.resolve("host1")).groups()).contains(kept);
    }

    @Test
    void aQuiesceOptionThatIsNotTrueOrFalseIsRefused() {
        HostConfig config = HostConfig.builder(address(0)).dataDir(root.resolve("host0")).logStore("memory")
                .transport("memory").option("raftkit.quiesce", "yes").build();
        assertThatThrownBy(() -> Raft.host(config).start()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("raftkit.quiesce").hasMessageContaining("'yes'");
    }

    @Test
    void groupConfigsThatSetWhatTheHostOwnsAreRefused() {
        RaftHost host = startHosts(Config.DEFAULT_TICK_INTERVAL).get(0);
        GroupId group = GroupId.of("g");
        Map<String, UnaryOperator<Config.Builder>> hostOwned = Map.of(
                "tickInterval", b -> b.tickInterval(Duration.ofMillis(20)),
                "dataDir", b -> b.dataDir(Path.of("/memory/elsewhere")),
                "logStore", b -> b.logStore("memory"),
                "transport", b -> b.transport("memory"),
                "option", b -> b.option("memory.maxMessageBytes", "1000"),
                "clusterId", b -> b.clusterId("other"));
        hostOwned.forEach((setting, set) -> assertThatThrownBy(
                () -> host.group(group, set.apply(groupConfig(group, 0).toBuilder()).build()))
                .as(setting)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sets " + setting + ",")
                .hasMessageContaining("HostConfig"));

        assertThatThrownBy(() -> host.group(group, groupConfig(group, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(address(1).toString()).hasMessageContaining(address(0).toString());
        assertThatThrownBy(() -> host.group(group, groupConfig(group, 0)).start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("state machine");

        Config allowed = groupConfig(group, 0).toBuilder().heartbeatIntervalTicks(3).preVote(true).build();
        host.<KvCommand, String>group(group, allowed).stateMachine(new KvStateMachine()).codec(KvCommand.CODEC)
                .start();
        assertThatThrownBy(() -> host.group(group, groupConfig(group, 0)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already runs");

        host.close();
        host.close();
        assertThatThrownBy(() -> host.group(GroupId.of("late"), groupConfig(GroupId.of("late"), 0)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(host.groups()).isEmpty();
    }

    @Test
    void threadsDoNotGrowWithGroupsAndNoneOutliveTheHosts() {
        List<RaftHost> on = startHosts(Duration.ofMillis(50));
        for (GroupId group : groupIds(0, 10)) {
            startGroup(on, group);
        }
        Set<String> withTenGroups = raftkitThreads();
        for (GroupId group : groupIds(10, 1000)) {
            startGroup(on, group);
        }
        Set<String> withThousandGroups = raftkitThreads();
        assertThat(on.get(0).groups()).hasSize(1000);

        assertThat(withThousandGroups).isEqualTo(withTenGroups);
        assertThat(withTenGroups).hasSize(HOSTS * (2 + 3)) // 2 pool threads, the timer, the storage writer, snapshots
                .allMatch(name -> name.startsWith("raftkit-host-"));

        on.forEach(RaftHost::close);
        Await.until("no raftkit thread is left", () -> raftkitThreads().isEmpty());
    }

    @Test
    void aGroupsSnapshotsAreMadeDurableOnTheHostsSnapshotThreadNotOnItsPool() throws IOException {
        Set<String> committedOn = ConcurrentHashMap.newKeySet();
        List<RaftHost> on = startHostsWatchingCommits(committedOn, new CountDownLatch(0));
        GroupId group = GroupId.of("snapshots");
        List<Node<KvCommand, String>> nodes = startGroup(on, group);
        put(nodes, "k", "v");
        awaitValueEverywhere(group, "k", "v");

        for (Node<KvCommand, String> node : nodes) {
            assertThat(Await.value(node.snapshot()).index()).isPositive();
        }

        assertThat(committedOn).as("threads that committed a snapshot").isNotEmpty()
                .allMatch(name -> name.startsWith("raftkit-host-") && name.endsWith("-snapshots"));
    }

    @Test
    void aSnapshotAskedForWhileAnotherCommitsIsTheNextOneAndHoldsWhatWasAppliedBefore() throws Exception {
        Set<String> committedOn = ConcurrentHashMap.newKeySet();
        CountDownLatch commitsMayGo = new CountDownLatch(1);
        List<RaftHost> on = startHostsWatchingCommits(committedOn, commitsMayGo);
        GroupId group = GroupId.of("snapshots");
        List<Node<KvCommand, String>> nodes = startGroup(on, group);
        put(nodes, "k", "v1");
        awaitValueEverywhere(group, "k", "v1");
        Node<KvCommand, String> node = nodes.get(0);

        CompletableFuture<SnapshotInfo> first = node.snapshot();
        Await.until("the first snapshot is committing", () -> !committedOn.isEmpty());
        put(nodes, "k", "v2");
        awaitValueEverywhere(group, "k", "v2");
        long appliedBeforeSecond = node.status().appliedIndex();
        CompletableFuture<SnapshotInfo> second = node.snapshot();
        Thread.sleep(200);
        assertThat(second).as("waits for the commit under way, held back").isNotDone();

        commitsMayGo.countDown();
        long firstIndex = Await.value(first).index();
        assertThat(Await.value(second).index()).isGreaterThanOrEqualTo(appliedBeforeSecond)
                .isGreaterThan(firstIndex);
    }

    /** Starts the hosts on memory stores whose snapshot commits note their thread and await {@code commitsMayGo}. */
    private List<RaftHost> startHostsWatchingCommits(Set<String> committedOn, CountDownLatch commitsMayGo)
            throws IOException {
        List<RaftHost> on = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            HostConfig config = hostConfig(i, Config.DEFAULT_TICK_INTERVAL);
            HostLogStore store = new MemoryLogStoreProvider().openHost(config);
            RaftHost host = Raft.host(config).logStore(new WatchedSnapshotCommits(store, committedOn, commitsMayGo))
                    .start();
            hosts.add(host);
            on.add(host);
        }
        return on;
    }

    /**
     * A host's store whose groups' snapshot writers note the thread that commits them, then commit
     * once a latch lets them.
     */
    private static final class WatchedSnapshotCommits extends ForwardingHostLogStore {
        private final Set<String> committedOn;
        private final CountDownLatch commitsMayGo;

        WatchedSnapshotCommits(HostLogStore delegate, Set<String> committedOn, CountDownLatch commitsMayGo) {
            super(delegate);
            this.committedOn = committedOn;
            this.commitsMayGo = commitsMayGo;
        }

        @Override
        public LogStore group(GroupId group) throws IOException {
            return new ForwardingLogStore(delegate.group(group)) {
                @Override
                public SnapshotWriter beginSnapshot(long index, long term, Membership membership) throws IOException {
                    SnapshotWriter writer = delegate.beginSnapshot(index, term, membership);
                    return new SnapshotWriter() {
                        @Override
                        public OutputStream output() {
                            return writer.output();
                        }

                        @Override
                        public SnapshotMeta commit() throws IOException {
                            committedOn.add(Thread.currentThread().getName());
                            try {
                                if (!commitsMayGo.await(60, TimeUnit.SECONDS)) {
                                    throw new IOException("the test never let the snapshot commit");
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new IOException("interrupted while held back", e);
                            }
                            return writer.commit();
                        }

                        @Override
                        public void close() throws IOException {
                            writer.close();
                        }
                    };
                }
            };
        }
    }

    /** The names of the live threads of raftkit, but the memory network's, which lives as long as the JVM. */
    private static Set<String> raftkitThreads() {
        Set<String> names = new TreeSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            if (thread.isAlive() && name.startsWith("raft") && !name.equals("raftkit-memory-network")) {
                names.add(name);
            }
        }
        return names;
    }

    @Test
    void oneSyncCoversTheWritesOfSeveralGroups() {
        List<RaftHost> on = startHosts(Config.DEFAULT_TICK_INTERVAL);
        List<Node<KvCommand, String>> leaders = new ArrayList<>();
        for (GroupId group : groupIds(0, 30)) {
            leaders.add(leader(startGroup(on, group)));
        }
        List<MemoryHostDisk> disks = new ArrayList<>();
        long syncsBefore = 0;
        long groupWritesBefore = 0;
        for (int i = 0; i < HOSTS; i++) {
            MemoryHostDisk disk = MemoryLogStoreProvider.hostDisk(root.resolve("host" + i));
            disks.add(disk);
            syncsBefore += disk.syncs();
            groupWritesBefore += disk.groupWrites();
        }

        List<CompletableFuture<String>> writes = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            for (Node<KvCommand, String> leader : leaders) {
                writes.add(leader.write(KvCommand.put("k", "v" + round)));
            }
        }
        // A write may meet a leadership change; the syncs of those that did not are what counts.
        long acknowledged = writes.stream().filter(w -> Await.outcome(w) == null).count();

        long syncs = disks.stream().mapToLong(MemoryHostDisk::syncs).sum() - syncsBefore;
        long groupWrites = disks.stream().mapToLong(MemoryHostDisk::groupWrites).sum() - groupWritesBefore;
        assertThat(acknowledged).as("acknowledged writes").isGreaterThanOrEqualTo(writes.size() / 2);
        assertThat(groupWrites).as("group writes").isGreaterThanOrEqualTo(leaders.size());
        assertThat(syncs).as("syncs for %d group writes", groupWrites).isLessThan(groupWrites);
    }
}
