package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.GroupId;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Which groups a host gives away to balance leaders, and to whom. */
class LeaderBalanceTest {

    private static final Address A = new Address("a", 1);
    private static final Address B = new Address("b", 1);
    private static final Address C = new Address("c", 1);

    /** Group {@code g} with members {@code g-a}, {@code g-b}, {@code g-c} on hosts A, B, C, seen from A. */
    private static LeaderBalance.Group group(String g, Address leader) {
        Map<NodeId, Address> voters = Map.of(NodeId.of(g + "-a"), A, NodeId.of(g + "-b"), B, NodeId.of(g + "-c"), C);
        Optional<NodeId> leaderId = voters.entrySet().stream().filter(e -> e.getValue().equals(leader))
                .map(Map.Entry::getKey).findFirst();
        return new LeaderBalance.Group(NodeId.of(g + "-a"), leaderId, new Membership(0, voters, Map.of()));
    }

    private static SortedMap<GroupId, LeaderBalance.Group> groups(Address... leaders) {
        SortedMap<GroupId, LeaderBalance.Group> groups = new TreeMap<>();
        for (int i = 0; i < leaders.length; i++) {
            groups.put(GroupId.of("g" + i), group("g" + i, leaders[i]));
        }
        return groups;
    }

    @Test
    void aHostLeadingEveryGroupGivesTheExcessToTheHostsLeadingFewest() {
        assertThat(LeaderBalance.plan(A, groups(A, A, A, A, A, A))).containsExactly(
                new LeaderBalance.Transfer(GroupId.of("g0"), NodeId.of("g0-b")),
                new LeaderBalance.Transfer(GroupId.of("g1"), NodeId.of("g1-c")),
                new LeaderBalance.Transfer(GroupId.of("g2"), NodeId.of("g2-b")),
                new LeaderBalance.Transfer(GroupId.of("g3"), NodeId.of("g3-c")));
    }

    @Test
    void aHostLeadingItsShareOrLessGivesNothingAway() {
        assertThat(LeaderBalance.plan(A, groups(A, A, B, B, C, C))).isEmpty();
        assertThat(LeaderBalance.plan(A, groups(A, A, A, B, B, B, C))).isEmpty();
        assertThat(LeaderBalance.plan(B, groups(A, A, A, A, A, A))).isEmpty();
    }

    @Test
    void groupsWithoutAKnownLeaderOrLedElsewhereStay() {
        assertThat(LeaderBalance.plan(A, groups(B, C, A, A, A, A, null)))
                .extracting(LeaderBalance.Transfer::group).containsExactly(GroupId.of("g2"));
        assertThat(LeaderBalance.plan(A, new TreeMap<>())).isEmpty();
    }
}
