package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HostLiveness} in virtual ticks: one heartbeat per peer host per third of the down time on the
 * reserved group, and a wake of the groups while a peer host is silent and when it restarts.
 */
class HostLivenessTest {

    private static final Address SELF = new Address("host-a", 7000);
    private static final Address B = new Address("host-b", 7000);
    private static final Address C = new Address("host-c", 7000);
    /** Twice the default electionTimeoutTicksMin: the ticks of silence after which a peer host is down. */
    private static final int DOWN_TICKS = 2 * Config.DEFAULT_ELECTION_TIMEOUT_TICKS_MIN;

    private final ManualRuntime runtime = new ManualRuntime();
    private final RecordingTransport transport = new RecordingTransport();
    private final List<Address> wakes = new ArrayList<>();
    /** Wakes of a group whatever it depends on ({@link HostLiveness.Group#wake}). */
    private int wakesOfAny;
    private HostLiveness liveness;

    @BeforeEach
    void start() throws IOException {
        HostLiveness.Group group = new HostLiveness.Group() {
            @Override
            public Collection<Address> memberAddresses() {
                return List.of(SELF, B, C);
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
            public void wakeFor(Address host) {
                wakes.add(host);
            }

            @Override
            public void wake() {
                wakesOfAny++;
            }
        };
        liveness = new HostLiveness(SELF, 7, transport, runtime.newTaskQueue("ticker"), () -> List.of(group, group));
        liveness.start();
    }

    @Test
    void everyPeerHostGetsOneHeartbeatPerThirdOfTheDownTimeOnTheReservedGroup() {
        ticks(30, List.of(B, C));
        int interval = DOWN_TICKS / HostLiveness.HEARTBEATS_PER_DOWN_TIME;

        assertThat(transport.group).isEqualTo(GroupId.of("raftkit.hosts"));
        assertThat(transport.peers).containsOnlyKeys(HostLiveness.hostId(B), HostLiveness.hostId(C));
        assertThat(interval).as("longer than the heartbeat interval").isGreaterThan(Config.DEFAULT_HEARTBEAT_INTERVAL_TICKS);
        assertThat(transport.sent).hasSize(2 * (30 / interval))
                .allSatisfy(h -> assertThat(h.term()).as("incarnation").isEqualTo(7));
        assertThat(wakes).isEmpty();
    }

    @Test
    void aPeerHostSilentForTheDownTimeWakesTheGroupsUntilHeardAgain() {
        ticks(DOWN_TICKS, List.of(B, C));
        ticks(DOWN_TICKS - 1, List.of(B));
        assertThat(wakes).as("C silent for %d ticks", DOWN_TICKS).isEmpty();

        ticks(1, List.of(B));
        assertThat(wakes).as("each of the two groups asked").containsExactly(C, C);
        ticks(5, List.of(B));
        assertThat(wakes).as("still down: asked again at every run").hasSize(2 + 2 * 5).containsOnly(C);

        ticks(1, List.of(B, C));
        ticks(DOWN_TICKS - 1, List.of(B));
        assertThat(wakes).as("heard again: no wake until silent again").hasSize(12);
        ticks(1, List.of(B));
        assertThat(wakes).as("silent again").hasSize(14);
    }

    @Test
    void aPeerHostWithANewIncarnationWakesTheGroups() {
        ticks(5, List.of(B, C));
        hear(B, 8);
        assertThat(wakes).containsExactly(B, B);
    }

    @Test
    void aSilencedHostSendsNoMoreHeartbeats() {
        ticks(DOWN_TICKS / HostLiveness.HEARTBEATS_PER_DOWN_TIME + 1, List.of(B, C));
        int sent = transport.sent.size();
        liveness.silence();
        ticks(30, List.of(B, C));
        assertThat(sent).isPositive();
        assertThat(transport.sent).hasSize(sent);
    }

    @Test
    void hostIdsAreValidNodeIdsForAnyAddress() {
        assertThat(HostLiveness.hostId(new Address("10.0.0.1", 7000))).isEqualTo(NodeId.of("10.0.0.1_7000"));
        assertThat(HostLiveness.hostId(new Address("fe80::1", 7000)).value()).isEqualTo("fe80--1_7000");
        String longName = "h".repeat(100);
        NodeId one = HostLiveness.hostId(new Address(longName + ".one", 7000));
        NodeId two = HostLiveness.hostId(new Address(longName + ".two", 7000));
        assertThat(one.value()).hasSize(64);
        assertThat(one).isNotEqualTo(two);
    }

    @Test
    void aHostHeardUnderAnIdOfNoMemberAddressWakesEveryGroupWhenSilentOrRestarted() {
        // C behind a proxy: it names itself by its listen address, the members name the proxy's.
        Address cListening = new Address("10.9.9.9", 7003);
        ticks(DOWN_TICKS, List.of(B, C, cListening));
        ticks(DOWN_TICKS - 1, List.of(B, C));
        assertThat(wakesOfAny).as("silent for %d ticks", DOWN_TICKS).isZero();

        ticks(1, List.of(B, C));
        assertThat(wakesOfAny).as("each of the two groups asked once").isEqualTo(2);
        assertThat(wakes).as("no member address to wake for").isEmpty();

        ticks(1, List.of(B, C, cListening));
        hear(cListening, 9);
        assertThat(wakesOfAny).as("heard again, then restarted").isEqualTo(4);
    }

    @Test
    void atMostMaxStrangersAreTracked() {
        List<Address> strangers = new ArrayList<>();
        for (int i = 0; i < 2 * HostLiveness.MAX_STRANGERS; i++) {
            strangers.add(new Address("stranger-" + i, 7000));
        }
        ticks(1, strangers);
        ticks(DOWN_TICKS + 1, List.of(B, C));
        assertThat(wakesOfAny).as("two groups woken per tracked stranger gone silent")
                .isEqualTo(2 * HostLiveness.MAX_STRANGERS);
    }

    /** Runs {@code count} ticks; before each, every host of {@code heard} is heard with incarnation 1. */
    private void ticks(int count, List<Address> heard) {
        for (int i = 0; i < count; i++) {
            heard.forEach(host -> hear(host, 1));
            liveness.tick(1);
        }
    }

    private void hear(Address host, long incarnation) {
        transport.handler.onMessage(new Heartbeat(HostLiveness.hostId(host), HostLiveness.hostId(SELF), incarnation,
                0, 0));
        runtime.settle();
    }

    /** A host transport of one view, the liveness group's, recording what it is given. */
    private static final class RecordingTransport implements HostTransport {
        GroupId group;
        MessageHandler handler;
        Map<NodeId, Address> peers = Map.of();
        final List<Heartbeat> sent = new ArrayList<>();

        @Override
        public void start() {
        }

        @Override
        public Transport group(GroupId id, Config groupConfig) {
            group = id;
            return new Transport() {
                @Override
                public void start(MessageHandler messageHandler) {
                    handler = messageHandler;
                }

                @Override
                public void updatePeers(Map<NodeId, Address> current) {
                    peers = current;
                }

                @Override
                public void send(RaftMessage message) {
                    sent.add((Heartbeat) message);
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public void close() {
        }
    }
}
