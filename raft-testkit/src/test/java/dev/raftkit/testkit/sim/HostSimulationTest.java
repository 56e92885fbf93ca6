package dev.raftkit.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The simulator's host mode, beyond {@link SimulationTest}'s seeds: host faults hit every group of
 * the host, and the cross-group check catches a transport that hands one group's message to
 * another group.
 */
class HostSimulationTest {

    private static final long MS = 1_000_000L;
    private static final long SEED = 42;
    private static final GroupId G0 = GroupId.of("g0");
    private static final GroupId G2 = GroupId.of("g2");

    /**
     * A transport that sends every tenth message of group g0 through group g2's view (both groups
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

        // Each leader heartbeats its two followers every 30 ms: some 400 messages in 2 s for three groups.
        assertThat(crossGroup.delivered()).as("deliveries checked, seed %d", SEED).isGreaterThan(400);
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

    @Test
    void sparesAreRefusedWithSeveralGroups() {
        assertThatThrownBy(() -> Simulation.builder(SEED).groupsPerHost(2).spares(1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spares").hasMessageContaining("groupsPerHost 2");
    }

    /** Three hosts with three groups, no faults; each host's transport wrapped by {@code transports}. */
    private static SimHosts<KvCommand, String, KvStateMachine> hosts(VirtualScheduler scheduler,
            UnaryOperator<HostTransport> transports) {
        SimHosts<KvCommand, String, KvStateMachine> hosts = new SimHosts<>(scheduler, new SplittableRandom(SEED),
                List.of(new KvWorkload(3), new KvWorkload(3), new KvWorkload(3)), 3,
                new SimRuntime.Latencies(2_000, 50_000, 50_000, 2 * MS), 0, Map.of(), 0, transports);
        hosts.network().delay(Duration.ofNanos(100_000), Duration.ofMillis(2));
        return hosts;
    }

    /** Sends every tenth message of group g0 through group g2's view. */
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
            return group.equals(G0) ? new Transport() {
                @Override
                public void start(MessageHandler handler) throws IOException {
                    view.start(handler);
                }

                @Override
                public void updatePeers(Map<NodeId, Address> peers) {
                    view.updatePeers(peers);
                }

                @Override
                public void send(RaftMessage message) {
                    Transport other = views.get(G2);
                    (++g0Sends % 10 == 0 && other != null ? other : view).send(message);
                }

                @Override
                public void close() {
                    view.close();
                }
            } : view;
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
