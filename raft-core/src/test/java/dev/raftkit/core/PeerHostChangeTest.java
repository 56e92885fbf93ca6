package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link PeerHostChange#wakes}: a host's failure wakes the followers it led, and a leader only if
 * it restarted or the leader's answering voters are no longer a majority.
 */
class PeerHostChangeTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final Address A = new Address("host-a", 7000);
    private static final Address B = new Address("host-b", 7000);
    private static final Address C = new Address("host-c", 7000);
    private static final Address D = new Address("host-d", 7000);
    private static final Address E = new Address("host-e", 7000);

    private static Membership members(Address... hosts) {
        Map<NodeId, Address> voters = new TreeMap<>();
        for (int i = 0; i < hosts.length; i++) {
            voters.put(NodeId.of("n" + (i + 1)), hosts[i]);
        }
        return new Membership(1, voters, Map.of());
    }

    private static CoreView view(Role role, String leader, Membership membership) {
        return new CoreView(role, 2, Optional.ofNullable(leader).map(NodeId::of), 5, 5, 0, membership);
    }

    @Test
    void aFollowerWakesWhenItsLeadersHostGoesDownOrRestarts() {
        CoreView follower = view(Role.FOLLOWER, "n2", members(A, B, C));
        assertThat(new PeerHostChange(B, false, Set.of(B)).wakes(follower, N1)).isTrue();
        assertThat(new PeerHostChange(B, true, Set.of()).wakes(follower, N1)).isTrue();
        assertThat(new PeerHostChange(C, false, Set.of(C)).wakes(follower, N1)).as("another member's host").isFalse();
        assertThat(new PeerHostChange(B, false, Set.of(B)).wakes(view(Role.FOLLOWER, null, members(A, B, C)), N1))
                .as("no leader known").isFalse();
    }

    @Test
    void aLeaderKeepingAMajorityOnAnsweringHostsStaysAsleep() {
        CoreView leader = view(Role.LEADER, "n1", members(A, B, C));
        assertThat(new PeerHostChange(C, false, Set.of(C)).wakes(leader, N1)).as("n1 and n2 answer").isFalse();
        assertThat(new PeerHostChange(C, false, Set.of(B, C)).wakes(leader, N1)).as("only n1 answers").isTrue();
        assertThat(new PeerHostChange(C, true, Set.of()).wakes(leader, N1)).as("a member's host restarted").isTrue();
        assertThat(new PeerHostChange(D, false, Set.of(B, D)).wakes(leader, N1)).as("no member there").isFalse();

        Membership withLearner = new Membership(1, members(A, B, C).voters(), Map.of(NodeId.of("l1"), D));
        assertThat(new PeerHostChange(D, true, Set.of()).wakes(view(Role.LEADER, "n1", withLearner), N1))
                .as("a learner's host restarted").isTrue();
        assertThat(new PeerHostChange(A, true, Set.of()).wakes(leader, N1)).as("only the leader itself there")
                .isFalse();

        CoreView ofFive = view(Role.LEADER, "n1", members(A, B, C, D, E));
        assertThat(new PeerHostChange(C, false, Set.of(B, C)).wakes(ofFive, N1)).as("3 of 5 answer").isFalse();
        assertThat(new PeerHostChange(D, false, Set.of(B, C, D)).wakes(ofFive, N1)).as("2 of 5 answer").isTrue();
    }
}
