package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HostLiveness} in virtual ticks: one liveness heartbeat per peer host per third of the down
 * time, on the group with the smallest id that has a member there, and a wake of the groups while a
 * peer host is silent (neither heartbeat nor other message) and when it restarts.
 */
class HostLivenessTest {

    private static final Address SELF = new Address("host-a", 7000);
    private static final Address B = new Address("host-b", 7000);
    private static final Address C = new Address("host-c", 7000);
    /** Twice the default electionTimeoutTicksMin: the ticks of silence after which a peer host is down. */
    private static final int DOWN_TICKS = 2 * Config.DEFAULT_ELECTION_TIMEOUT_TICKS_MIN;

    private final ManualRuntime runtime = new ManualRuntime();
    /** g2 has members on A, B and C; g1, the smaller id, on A and B only, under other member ids. */
    private final RecordingGroup g1 = new RecordingGroup("m1", Map.of("m1", SELF, "m2", B));
    private final RecordingGroup g2 = new RecordingGroup("n1", Map.of("n1", SELF, "n2", B, "n3", C));
    private HostLiveness liveness;

    @BeforeEach
    void start() {
        SortedMap<GroupId, RecordingGroup> groups = new TreeMap<>();
        groups.put(GroupId.of("g2"), g2);
        groups.put(GroupId.of("g1"), g1);
        liveness = new HostLiveness(SELF, 7, runtime.newTaskQueue("ticker"), () -> groups);
    }

    @Test
    void everyPeerHostGetsOneHeartbeatPerThirdOfTheDownTimeOnTheSmallestGroupWithAMemberThere() {
        ticks(30, List.of(B, C));
        int interval = DOWN_TICKS / HostLiveness.HEARTBEATS_PER_DOWN_TIME;
        int rounds = 30 / interval;

        assertThat(interval).as("longer than the heartbeat interval").isGreaterThan(Config.DEFAULT_HEARTBEAT_INTERVAL_TICKS);
        assertThat(g1.sent).as("to B, on g1").hasSize(rounds)
                .containsOnly(Heartbeat.liveness(NodeId.of("m1"), NodeId.of("m2"), 7));
        assertThat(g2.sent).as("to C, on g2: the only group with a member there").hasSize(rounds)
                .containsOnly(Heartbeat.liveness(NodeId.of("n1"), NodeId.of("n3"), 7));
        assertThat(g1.wakes).isEmpty();
        assertThat(g2.wakes).isEmpty();
    }

    @Test
    void aPeerHostSilentForTheDownTimeWakesTheGroupsUntilHeardAgain() {
        ticks(DOWN_TICKS, List.of(B, C));
        ticks(DOWN_TICKS - 1, List.of(B));
        assertThat(g2.wakes).as("C silent for %d ticks", DOWN_TICKS - 1).isEmpty();

        ticks(1, List.of(B));
        assertThat(g1.wakes).as("every group asked").containsExactly(C);
        assertThat(g2.changes).containsExactly(new PeerHostChange(C, false, Set.of(C)));
        ticks(5, List.of(B));
        assertThat(g2.wakes).as("still down: asked again at every run").hasSize(6).containsOnly(C);

        ticks(1, List.of(B, C));
        ticks(DOWN_TICKS - 1, List.of(B));
        assertThat(g2.wakes).as("heard again: no wake until silent again").hasSize(6);
        ticks(1, List.of(B));
        assertThat(g2.wakes).as("silent again").hasSize(7);
    }

    @Test
    void anyMessageOfAGroupFromAPeerHostKeepsItUpWithoutItsHeartbeats() {
        ticks(DOWN_TICKS, List.of(B, C));
        for (int i = 0; i < 2 * DOWN_TICKS; i++) {
            liveness.traffic(C);
            ticks(1, List.of(B));
        }
        assertThat(g2.wakes).as("C sent group messages but no heartbeat for %d ticks", 2 * DOWN_TICKS).isEmpty();

        ticks(DOWN_TICKS + 1, List.of(B));
        assertThat(g2.wakes).as("then nothing at all").containsExactly(C);
        liveness.traffic(C);
        ticks(DOWN_TICKS, List.of(B));
        assertThat(g2.wakes).as("a message marks it up again").containsExactly(C);
    }

    @Test
    void aPeerHostWithANewIncarnationWakesTheGroups() {
        ticks(5, List.of(B, C));
        hear(B, 8);
        assertThat(g1.wakes).containsExactly(B);
        assertThat(g2.changes).containsExactly(new PeerHostChange(B, true, Set.of()));
    }

    @Test
    void aHostHeardUnderNoMemberAddressChangesNothing() {
        ticks(DOWN_TICKS, List.of(B, C, new Address("10.9.9.9", 7003)));
        hear(new Address("10.9.9.9", 7003), 9);
        assertThat(g1.wakes).isEmpty();
        assertThat(g2.wakes).isEmpty();
    }

    @Test
    void aSilencedHostSendsNoMoreHeartbeats() {
        ticks(DOWN_TICKS / HostLiveness.HEARTBEATS_PER_DOWN_TIME + 1, List.of(B, C));
        int sent = g1.sent.size() + g2.sent.size();
        liveness.silence();
        ticks(30, List.of(B, C));
        assertThat(sent).isPositive();
        assertThat(g1.sent.size() + g2.sent.size()).isEqualTo(sent);
    }

    /** Runs {@code count} ticks; before each, every host of {@code heard} is heard with incarnation 1. */
    private void ticks(int count, List<Address> heard) {
        for (int i = 0; i < count; i++) {
            heard.forEach(host -> hear(host, 1));
            liveness.tick(1);
        }
    }

    private void hear(Address host, long incarnation) {
        liveness.heard(host, incarnation);
        runtime.settle();
    }

    /** A group of fixed members that records what liveness sends on it and asks of it. */
    private static final class RecordingGroup implements HostLiveness.Group {
        final NodeId self;
        final Map<NodeId, Address> members = new TreeMap<>();
        final List<Heartbeat> sent = new ArrayList<>();
        final List<Address> wakes = new ArrayList<>();
        final List<PeerHostChange> changes = new ArrayList<>();

        RecordingGroup(String self, Map<String, Address> members) {
            this.self = NodeId.of(self);
            members.forEach((id, address) -> this.members.put(NodeId.of(id), address));
        }

        @Override
        public NodeId self() {
            return self;
        }

        @Override
        public Membership membership() {
            return new Membership(0, members, Map.of());
        }

        @Override
        public int heartbeatIntervalTicks() {
            return Config.DEFAULT_HEARTBEAT_INTERVAL_TICKS;
        }

        @Override
        public int electionTimeoutTicksMin() {
            return Config.DEFAULT_ELECTION_TIMEOUT_TICKS_MIN;
        }

        @Override
        public void wakeFor(PeerHostChange change, int groupHash) {
            wakes.add(change.host());
            changes.add(change);
        }

        @Override
        public void sendLiveness(Heartbeat heartbeat) {
            sent.add(heartbeat);
        }
    }
}
