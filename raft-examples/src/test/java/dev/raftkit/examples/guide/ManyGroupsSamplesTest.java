package dev.raftkit.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.RaftHost;
import dev.raftkit.Role;
import dev.raftkit.examples.CounterStateMachine;
import dev.raftkit.examples.Eventually;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the samples of docs/many-groups.md on three hosts in this JVM, each running the same nine
 * groups, with the in-memory log store and transport in place of LMDB and gRPC: what the chapter
 * shows works, not only compiles.
 */
class ManyGroupsSamplesTest {

    private static final int GROUPS = 9;
    private static final List<NodeId> MEMBERS = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));

    private final String root = "/mem/guide-hosts/" + UUID.randomUUID();
    private final List<GroupId> groups = IntStream.range(0, GROUPS).mapToObj(i -> GroupId.of("orders-" + i)).toList();
    private final Map<NodeId, RaftHost> hosts = new TreeMap<>();
    /** Per member, its node of each group. */
    private final Map<NodeId, Map<GroupId, Node<Long, Long>>> nodes = new TreeMap<>();

    @AfterEach
    void close() {
        hosts.values().forEach(RaftHost::close);
    }

    /** The sample's host, on the in-memory providers, at the address the sample's groups give it. */
    private RaftHost startHost(NodeId member) {
        Address address = ManyGroups.groupConfig(member).selfAddress();
        RaftHost host = ManyGroups.start(HostConfig.builder(address).dataDir(Path.of(root, member.value()))
                .logStore("memory").transport("memory").threads(2).build());
        hosts.put(member, host);
        return host;
    }

    private Node<Long, Long> leader(GroupId id) {
        NodeId leader = nodes.get(MEMBERS.get(0)).get(id).awaitLeader().orTimeout(30, TimeUnit.SECONDS).join();
        return nodes.get(leader).get(id);
    }

    @Test
    void theSamplesWorkOnThreeHosts() throws Exception {
        List<Role> firstRoles = new CopyOnWriteArrayList<>();
        for (NodeId member : MEMBERS) {
            RaftHost host = startHost(member);
            Map<GroupId, Node<Long, Long>> mine = new HashMap<>();
            for (GroupId id : groups) {
                Config config = ManyGroups.groupConfig(member);
                mine.put(id, id.equals(groups.get(0)) && member.equals(MEMBERS.get(0))
                        ? ManyGroups.startWatched(host, id, config, new CounterStateMachine(), new NodeListener() {
                            @Override
                            public void onRoleChange(Role role, long term) {
                                firstRoles.add(role);
                            }
                        })
                        : ManyGroups.startGroup(host, id, config, new CounterStateMachine()));
            }
            nodes.put(member, mine);
        }
        RaftHost first = hosts.get(MEMBERS.get(0));
        assertThat(first.groups()).containsExactlyInAnyOrderElementsOf(groups);
        for (int i = 0; i < GROUPS; i++) {
            assertThat(leader(groups.get(i)).write((long) i + 1).get(30, TimeUnit.SECONDS)).isEqualTo(i + 1);
        }
        assertThat(firstRoles).as("the listener given before start heard the first role change").isNotEmpty();
        assertThat(ManyGroups.describe(first).lines()).hasSize(GROUPS).allMatch(line -> line.startsWith("orders-"));

        Config owned = ManyGroups.groupConfig(MEMBERS.get(0)).toBuilder().dataDir(Path.of("/elsewhere")).build();
        assertThatThrownBy(() -> first.group(GroupId.of("orders-new"), owned))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> first.group(groups.get(0), ManyGroups.groupConfig(MEMBERS.get(0))))
                .as("a running group").isInstanceOf(IllegalStateException.class);

        NodeId busiest = MEMBERS.get(0);
        for (GroupId id : groups) {
            Node<Long, Long> leader = leader(id);
            if (!leader.id().equals(busiest)) {
                leader.transferLeadership(busiest).get(30, TimeUnit.SECONDS);
            }
        }
        Eventually.find(busiest + " leading every group", () -> Optional.of(leadersPerMember())
                .filter(leaders -> leaders.getOrDefault(busiest, 0L) == GROUPS));
        for (RaftHost host : hosts.values()) {
            ManyGroups.balanceLeaders(host).get(30, TimeUnit.SECONDS);
        }
        Eventually.find("at most " + GROUPS / MEMBERS.size() + " leaders per member", () -> Optional.of(leadersPerMember())
                .filter(leaders -> leaders.values().stream().mapToLong(n -> n).sum() == GROUPS
                        && leaders.values().stream().allMatch(n -> n <= GROUPS / MEMBERS.size())));

        GroupId shrunk = groups.get(0);
        NodeId removed = MEMBERS.get(2);
        ManyGroups.removeFromGroup(leader(shrunk), removed, hosts.get(removed), shrunk);
        assertThat(hosts.get(removed).groups()).doesNotContain(shrunk);
        nodes.get(removed).remove(shrunk);
        assertThat(leader(shrunk).write(10L).get(30, TimeUnit.SECONDS)).as("two members left").isEqualTo(11);

        for (NodeId member : MEMBERS) {
            hosts.remove(member).close();
        }
        for (NodeId member : MEMBERS) {
            RaftHost again = startHost(member);
            assertThat(again.groups()).as("a restarted host starts no group by itself").isEmpty();
            List<GroupId> itsGroups = List.copyOf(nodes.get(member).keySet());
            nodes.put(member, ManyGroups.restartGroups(again, itsGroups, ManyGroups.groupConfig(member)));
        }
        for (int i = 0; i < GROUPS; i++) {
            long expected = i == 0 ? 11 : i + 1;
            assertThat(leader(groups.get(i)).write(0L).get(30, TimeUnit.SECONDS)).as("every host recovered "
                    + groups.get(i) + " from its data").isEqualTo(expected);
        }
    }

    /** Groups led per member, counted from the nodes' roles (a group between leaders counts for none). */
    private Map<NodeId, Long> leadersPerMember() {
        return nodes.values().stream().flatMap(mine -> mine.values().stream()).filter(n -> n.role() == Role.LEADER)
                .collect(Collectors.groupingBy(Node::id, Collectors.counting()));
    }

    @Test
    void theHostSampleOwnsTheSharedSettings() {
        HostConfig config = ManyGroups.hostConfig(Address.parse("10.0.0.1:7000"));
        assertThat(config.threads()).isEqualTo(4);
        assertThat(config.logStore()).contains("lmdb");
        assertThat(ManyGroups.groupConfig(NodeId.of("n1")).explicitlySet())
                .doesNotContain(Config.Setting.DATA_DIR, Config.Setting.LOG_STORE, Config.Setting.TRANSPORT,
                        Config.Setting.OPTION, Config.Setting.CLUSTER_ID, Config.Setting.TICK_INTERVAL);
    }
}
