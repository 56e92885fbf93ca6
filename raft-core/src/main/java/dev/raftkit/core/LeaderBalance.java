package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.GroupId;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Plans which groups a host hands leadership away for {@link CoreHost#rebalanceLeaders()}: leaders
 * are counted per host address (a group's leader's address in its configuration), and a host that
 * leads more than its fair share, {@code ceil(groups / hosts)} over the distinct host addresses of
 * the groups' voters, gives each excess group to a voter on the host that leads the fewest. Called
 * on every host, the leaders converge to about {@code groups / hosts} per host.
 */
final class LeaderBalance {

    /** What this host knows of one of its groups. */
    record Group(NodeId self, Optional<NodeId> leader, Membership membership) {
    }

    /** Hand the leadership of {@code group} to {@code target}. */
    record Transfer(GroupId group, NodeId target) {
    }

    private LeaderBalance() {
    }

    /**
     * Plans the transfers for the host at {@code host}.
     *
     * @param host this host's address
     * @param groups the groups this host runs, in the order excess groups are given away
     * @return at most one transfer per group; empty when this host leads no more than its share
     */
    static List<Transfer> plan(Address host, SortedMap<GroupId, Group> groups) {
        Map<Address, Integer> leading = new HashMap<>();
        groups.values().forEach(g -> g.membership().voters().values().forEach(a -> leading.putIfAbsent(a, 0)));
        if (leading.isEmpty()) {
            return List.of();
        }
        groups.values().forEach(g -> g.leader().flatMap(l -> Optional.ofNullable(g.membership().voters().get(l)))
                .ifPresent(a -> leading.merge(a, 1, Integer::sum)));
        int fairShare = (groups.size() + leading.size() - 1) / leading.size();
        List<Transfer> transfers = new ArrayList<>();
        for (Map.Entry<GroupId, Group> entry : groups.entrySet()) {
            Group g = entry.getValue();
            if (leading.getOrDefault(host, 0) <= fairShare) {
                break;
            }
            if (!g.leader().equals(Optional.of(g.self()))) {
                continue;
            }
            g.membership().voters().entrySet().stream()
                    .filter(v -> !v.getKey().equals(g.self()) && leading.get(v.getValue()) + 1 < leading.get(host))
                    .min(Comparator.comparing((Map.Entry<NodeId, Address> v) -> leading.get(v.getValue()))
                            .thenComparing(v -> v.getValue().toString()))
                    .ifPresent(target -> {
                        transfers.add(new Transfer(entry.getKey(), target.getKey()));
                        leading.merge(host, -1, Integer::sum);
                        leading.merge(target.getValue(), 1, Integer::sum);
                    });
        }
        return transfers;
    }
}
