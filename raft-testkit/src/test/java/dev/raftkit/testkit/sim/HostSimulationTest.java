package dev.raftkit.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.Role;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The simulator's host mode, beyond {@link SimulationTest}'s seeds: host faults hit every group of
 * the host, the cross-group check catches a transport that hands one group's message to another
 * group, and idle groups quiesce, waking when a host crashes or is cut off.
 */
class HostSimulationTest {

    private static final long MS = 1_000_000L;
    private static final long SEED = 42;
    private static final GroupId G0 = GroupId.of("g0");
    private static final GroupId G2 = GroupId.of("g2");
    /** Groups of the quiescence tests: enough that every host leads some. */
    private static final int MANY = 12;

    /**
     * A transport that sends every third message of group g0 through group g2's view (both groups
     * name their members n1, n2, n3 on the same hosts, so the view takes it): the receiving host
     * hands it to g2, and the check must say so.
     */
    @Test
    void aTransportThatHandsOneGroupsMessagesToAnotherIsCaught() {
        VirtualScheduler scheduler = new VirtualScheduler();
        CrossGroupMonitor crossGroup = new CrossGroupMonitor(scheduler::now);
        SimHosts<KvCommand, String, KvStateMachine> hosts = hosts(scheduler,
                transport -> crossGroup.watch(new Misrouting(transport)));
        hosts.startAll();

        assertThatThrownBy(() -> scheduler.runUntil(2000 * MS, crossGroup::check))
                .as("seed %d", SEED)
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("cross-group delivery")
                .hasMessageContaining("sent by group g0 was delivered to group g2");
    }

    /** The same hosts without the misrouting: every delivery is checked, none crosses groups. */
    @Test
    void correctlyRoutedHostsPassTheCrossGroupCheck() {
        VirtualScheduler scheduler = new VirtualScheduler();
        CrossGroupMonitor crossGroup = new CrossGroupMonitor(scheduler::now);
        SimHosts<KvCommand, String, KvStateMachine> hosts = hosts(scheduler, crossGroup::watch);
        hosts.startAll();

        scheduler.runUntil(2000 * MS, crossGroup::check);

        // Elections, no-ops and heartbeats until the groups quiesce, then the hosts' liveness: some 150 in 2 s.
        assertThat(crossGroup.delivered()).as("deliveries checked, seed %d", SEED).isGreaterThan(100);
        hosts.crashAll();
    }

    /** A crash of a host takes its member of every group down, and its restart brings them all back. */
    @Test
    void aHostCrashHitsEveryGroupOfTheHost() {
        VirtualScheduler scheduler = new VirtualScheduler();
        CrossGroupMonitor crossGroup = new CrossGroupMonitor(scheduler::now);
        SimHosts<KvCommand, String, KvStateMachine> hosts = hosts(scheduler, crossGroup::watch);
        hosts.startAll();
        scheduler.runUntil(1000 * MS, crossGroup::check);
        Address victim = hosts.targets().get(0);

        hosts.crash(victim);
        assertThat(hosts.groups()).allSatisfy(group -> assertThat(group.ids().stream()
                .filter(id -> group.incarnation(id) == null)).as("members down in %s", group.id()).hasSize(1));
        hosts.start(victim);
        scheduler.runUntil(3000 * MS, crossGroup::check);

        assertThat(hosts.groups()).allSatisfy(group -> assertThat(group.ids())
                .allSatisfy(id -> assertThat(group.incarnation(id)).as("%s of %s", id, group.id()).isNotNull()));
        hosts.crashAll();
    }

    /**
     * Stopping one group on one host ({@link GroupRestarts}' fault) takes down that member only: the
     * host's other groups keep every member; starting it again before the stop completed is refused
     * with a clear error; then it starts again from its data, and the group ends with a leader and
     * every member running.
     */
    @Test
    void aGroupStoppedOnAHostStartsAgainWhileTheHostsOtherGroupsRunOn() {
        VirtualScheduler scheduler = new VirtualScheduler();
        CrossGroupMonitor crossGroup = new CrossGroupMonitor(scheduler::now);
        SimHosts<KvCommand, String, KvStateMachine> hosts = hosts(scheduler, crossGroup::watch);
        hosts.startAll();
        scheduler.runUntil(1000 * MS, crossGroup::check);
        Address host = hosts.targets().get(0);
        SimHosts<KvCommand, String, KvStateMachine>.HostedGroup stopped = hosts.groups().get(0);

        CompletableFuture<Void> stop = hosts.stopGroup(stopped, host).orElseThrow();
        assertThatThrownBy(() -> hosts.restartGroup(stopped, host)).as("started again while stopping")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("group g0 is still stopping on host");
        scheduler.runUntil(1500 * MS, crossGroup::check);
        assertThat(stop).as("stopped").isCompleted();
        assertThat(stopped.ids().stream().filter(id -> stopped.incarnation(id) == null)).as("members down")
                .containsExactly(stopped.ids().stream().filter(id -> stopped.hostOf(id).equals(host)).findFirst()
                        .orElseThrow());
        assertThat(hosts.groups().subList(1, hosts.groups().size())).allSatisfy(group -> assertThat(group.ids())
                .allSatisfy(id -> assertThat(group.incarnation(id)).as("%s of %s", id, group.id()).isNotNull()));
        assertThat(hosts.restartGroup(stopped, host)).as("started again").isTrue();
        scheduler.runUntil(3000 * MS, crossGroup::check);

        assertThat(stopped.ids()).allSatisfy(id -> assertThat(stopped.incarnation(id)).as("%s", id).isNotNull());
        assertThat(leader(stopped)).as("leader of %s, seed %d", stopped.id(), SEED).isNotNull();
        hosts.groups().forEach(group -> group.monitor().check());
        hosts.crashAll();
    }

    /**
     * Idle groups quiesce: once elected and caught up, no group sends a message in 2 s of virtual
     * time (without quiescence each leader heartbeats every 30 ms), while the hosts' liveness
     * messages go on: one per peer host per heartbeat interval, whatever the number of groups.
     */
    @Test
    void idleGroupsGoQuietWhileTheHostsKeepExchangingLiveness() {
        VirtualScheduler scheduler = new VirtualScheduler();
        CrossGroupMonitor crossGroup = new CrossGroupMonitor(scheduler::now);
        SimHosts<KvCommand, String, KvStateMachine> hosts = hosts(scheduler, MANY, crossGroup::watch);
        hosts.startAll();
        scheduler.runUntil(2000 * MS, crossGroup::check);
        long groupSends = groupSends(hosts, crossGroup);
        long livenessSends = crossGroup.livenessSent();

        scheduler.runUntil(4000 * MS, crossGroup::check);

        assertThat(groupSends(hosts, crossGroup) - groupSends).as("messages of %d idle groups in 2 s, seed %d",
                MANY, SEED).isZero();
        // 3 hosts x 2 peers, every third of the 300 ms down time: 120 in 2 s.
        assertThat(crossGroup.livenessSent() - livenessSends).as("liveness messages in 2 s, seed %d", SEED)
                .isBetween(100L, 140L);
        assertThat(hosts.groups()).allSatisfy(group -> assertThat(leader(group)).as("leader of %s", group.id())
                .isNotNull());
        hosts.crashAll();
    }

    /**
     * With the host option {@code raftkit.quiesce=false} idle groups go on heartbeating, as single
     * nodes do, and the hosts send no liveness heartbeats, which only sleeping groups need.
     */
    @Test
    void withQuiescenceOffIdleGroupsHeartbeatAndHostsSendNoLiveness() {
        VirtualScheduler scheduler = new VirtualScheduler();
        CrossGroupMonitor crossGroup = new CrossGroupMonitor(scheduler::now);
        SimHosts<KvCommand, String, KvStateMachine> hosts = hosts(scheduler, MANY, Map.of("raftkit.quiesce", "false"),
                crossGroup::watch);
        hosts.startAll();
        scheduler.runUntil(2000 * MS, crossGroup::check);
        long groupSends = groupSends(hosts, crossGroup);

        scheduler.runUntil(4000 * MS, crossGroup::check);

        // Each of 12 leaders heartbeats 2 followers every 30 ms, and they answer: some 3,000 in 2 s.
        assertThat(groupSends(hosts, crossGroup) - groupSends).as("messages of %d idle groups in 2 s, seed %d",
                MANY, SEED).isGreaterThan(1000);
        assertThat(crossGroup.livenessSent()).as("liveness messages, seed %d", SEED).isZero();
        hosts.crashAll();
    }

    /**
     * A crash of a host wakes the quiesced groups: the groups it led elect new leaders on the other
     * hosts within 2 s, and every group has a leader again.
     */
    @Test
    void aCrashedHostWakesTheGroupsAndTheGroupsItLedElectNewLeaders() {
        Struck run = strikeQuietHosts(SimHosts::crash);

        assertThat(run.hosts().groups()).allSatisfy(group -> {
            NodeStatus leader = leader(group);
            assertThat(leader).as("leader of %s 2 s after the crash, seed %d", group.id(), SEED).isNotNull();
            assertThat(group.hostOf(leader.id())).isNotEqualTo(run.victim());
        });
        assertThat(run.ledByVictim()).allSatisfy(group -> assertThat(leader(group).term())
                .as("term of %s", group.id()).isGreaterThan(run.before().get(group.id()).term()));
        run.hosts().crashAll();
    }

    /**
     * A quiesced leader whose host is cut off from the others wakes (its host stops hearing its
     * peers), finds no quorum within an election timeout and steps down; the other hosts elect.
     */
    @Test
    void aPartitionedQuiescedLeaderStepsDownAfterWaking() {
        Struck run = strikeQuietHosts(SimHosts::isolate);

        assertThat(run.ledByVictim()).allSatisfy(group -> {
            NodeStatus cutOff = group.incarnation(run.before().get(group.id()).id()).node().status();
            assertThat(cutOff.role()).as("role of %s's cut-off leader, seed %d", group.id(), SEED)
                    .isNotEqualTo(Role.LEADER);
            NodeStatus leader = leader(group);
            assertThat(leader).as("new leader of %s", group.id()).isNotNull();
            assertThat(group.hostOf(leader.id())).isNotEqualTo(run.victim());
        });
        run.hosts().crashAll();
    }

    @Test
    void sparesAreRefusedWithSeveralGroups() {
        assertThatThrownBy(() -> Simulation.builder(SEED).groupsPerHost(2).spares(1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spares").hasMessageContaining("groupsPerHost 2");
    }

    /** Three hosts with three groups, no faults; each host's transport wrapped by {@code transports}. */
    private static SimHosts<KvCommand, String, KvStateMachine> hosts(VirtualScheduler scheduler,
            UnaryOperator<HostTransport> transports) {
        return hosts(scheduler, 3, transports);
    }

    /** Three hosts with {@code groups} groups, no faults; each host's transport wrapped by {@code transports}. */
    private static SimHosts<KvCommand, String, KvStateMachine> hosts(VirtualScheduler scheduler, int groups,
            UnaryOperator<HostTransport> transports) {
        return hosts(scheduler, groups, Map.of(), transports);
    }

    /** Three hosts with {@code groups} groups and the host options {@code options}, no faults. */
    private static SimHosts<KvCommand, String, KvStateMachine> hosts(VirtualScheduler scheduler, int groups,
            Map<String, String> options, UnaryOperator<HostTransport> transports) {
        List<KvWorkload> workloads = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            workloads.add(new KvWorkload(3));
        }
        SimHosts<KvCommand, String, KvStateMachine> hosts = new SimHosts<>(scheduler, new SplittableRandom(SEED),
                workloads, 3,
                new SimRuntime.Latencies(2_000, 50_000, 50_000, 2 * MS), 0, options, 0, transports);
        hosts.network().delay(Duration.ofNanos(100_000), Duration.ofMillis(2));
        return hosts;
    }

    /** {@return the messages every group (not the hosts' liveness) sent so far} */
    private static long groupSends(SimHosts<KvCommand, String, KvStateMachine> hosts, CrossGroupMonitor crossGroup) {
        return hosts.groups().stream().mapToLong(group -> crossGroup.sentBy(group.id())).sum();
    }

    /** {@return the status of the group's leader of the highest term among its running members, or null} */
    private static NodeStatus leader(SimHosts<KvCommand, String, KvStateMachine>.HostedGroup group) {
        NodeStatus leader = null;
        for (NodeId id : group.ids()) {
            SimGroup.Incarnation<KvCommand, String, KvStateMachine> member = group.incarnation(id);
            NodeStatus status = member == null ? null : member.node().status();
            if (status != null && status.role() == Role.LEADER && (leader == null || status.term() > leader.term())) {
                leader = status;
            }
        }
        return leader;
    }

    /** {@return each group's leader; every group must have one} */
    private static Map<GroupId, NodeStatus> leaders(SimHosts<KvCommand, String, KvStateMachine> hosts) {
        Map<GroupId, NodeStatus> leaders = new HashMap<>();
        for (SimHosts<KvCommand, String, KvStateMachine>.HostedGroup group : hosts.groups()) {
            NodeStatus leader = leader(group);
            assertThat(leader).as("leader of %s, seed %d", group.id(), SEED).isNotNull();
            leaders.put(group.id(), leader);
        }
        return leaders;
    }

    /** {@return the groups whose leader in {@code leaders} runs on {@code host}; there must be some} */
    private static List<SimHosts<KvCommand, String, KvStateMachine>.HostedGroup> ledFrom(
            SimHosts<KvCommand, String, KvStateMachine> hosts, Map<GroupId, NodeStatus> leaders, Address host) {
        List<SimHosts<KvCommand, String, KvStateMachine>.HostedGroup> led = hosts.groups().stream()
                .filter(group -> group.hostOf(leaders.get(group.id()).id()).equals(host)).toList();
        assertThat(led).as("groups led from %s, seed %d", host, SEED).isNotEmpty();
        return led;
    }

    /**
     * What a fault on quiet hosts left.
     *
     * @param hosts the hosts, 2 s after the fault
     * @param victim the host struck
     * @param before each group's leader just before the fault
     * @param ledByVictim the groups the victim led then
     */
    private record Struck(SimHosts<KvCommand, String, KvStateMachine> hosts, Address victim,
            Map<GroupId, NodeStatus> before, List<SimHosts<KvCommand, String, KvStateMachine>.HostedGroup> ledByVictim) {
    }

    /**
     * Starts {@link #MANY} groups on three hosts and runs 2.5 s, the last 0.5 s without a message of
     * any group; then strikes the first host with {@code fault} and runs 2 s more.
     */
    private static Struck strikeQuietHosts(BiConsumer<SimHosts<KvCommand, String, KvStateMachine>, Address> fault) {
        VirtualScheduler scheduler = new VirtualScheduler();
        CrossGroupMonitor crossGroup = new CrossGroupMonitor(scheduler::now);
        SimHosts<KvCommand, String, KvStateMachine> hosts = hosts(scheduler, MANY, crossGroup::watch);
        hosts.startAll();
        scheduler.runUntil(2000 * MS, crossGroup::check);
        long quietFrom = groupSends(hosts, crossGroup);
        scheduler.runUntil(2500 * MS, crossGroup::check);
        assertThat(groupSends(hosts, crossGroup)).as("groups quiet before the fault, seed %d", SEED)
                .isEqualTo(quietFrom);
        Address victim = hosts.targets().get(0);
        Map<GroupId, NodeStatus> before = leaders(hosts);
        List<SimHosts<KvCommand, String, KvStateMachine>.HostedGroup> ledByVictim = ledFrom(hosts, before, victim);

        fault.accept(hosts, victim);
        scheduler.runUntil(4500 * MS, crossGroup::check);
        return new Struck(hosts, victim, before, ledByVictim);
    }

    /** Sends every third message of group g0 through group g2's view. */
    private static final class Misrouting implements HostTransport {
        private final HostTransport inner;
        private final Map<GroupId, Transport> views = new HashMap<>();
        private int g0Sends;

        Misrouting(HostTransport inner) {
            this.inner = inner;
        }

        @Override
        public void start() throws IOException {
            inner.start();
        }

        @Override
        public Transport group(GroupId group, Config groupConfig) {
            Transport view = inner.group(group, groupConfig);
            views.put(group, view);
            return group.equals(G0) ? new ForwardingTransport(view) {
                @Override
                public void send(RaftMessage message) {
                    Transport other = views.get(G2);
                    (++g0Sends % 3 == 0 && other != null ? other : view).send(message);
                }
            } : view;
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
