package dev.raftkit.examples.guide;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.Raft;
import dev.raftkit.RaftHost;
import dev.raftkit.examples.CounterStateMachine;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Samples of docs/many-groups.md. */
final class ManyGroups {

    private ManyGroups() {
    }

    // tag::host[]
    static HostConfig hostConfig(Address listen) {
        return HostConfig.builder(listen)               // one listening address for every group
                .dataDir(Path.of("/var/lib/myapp/raft")) // one log store for every group
                .logStore("lmdb")
                .transport("grpc")
                .threads(4)                             // run every group; does not grow with groups
                .build();
    }

    static RaftHost start(HostConfig config) {
        return Raft.host(config).start();               // starts no group by itself
    }
    // end::host[]

    // tag::groupConfig[]
    static Config groupConfig(NodeId self) {
        Map<NodeId, Address> members = Map.of(          // member ids -> their hosts' addresses
                NodeId.of("n1"), Address.parse("10.0.0.1:7000"),
                NodeId.of("n2"), Address.parse("10.0.0.2:7000"),
                NodeId.of("n3"), Address.parse("10.0.0.3:7000"));
        return Config.builder(self, members)
                .snapshotThreshold(10_000)              // per group: timeouts, batching, sessions, snapshots
                .build();                               // no dataDir, logStore, transport, option, clusterId, tick
    }
    // end::groupConfig[]

    // tag::group[]
    static Node<Long, Long> startGroup(RaftHost host, GroupId id, Config groupConfig, CounterStateMachine counter) {
        return host.group(id, groupConfig)              // new, or recovered from the host's store
                .stateMachine(counter)                  // one state machine per group
                .codec(CounterStateMachine.CODEC)
                .start();                               // returns at once; the group elects on its own
    }
    // end::group[]

    // tag::restart[]
    static Map<GroupId, Node<Long, Long>> restartGroups(RaftHost host, List<GroupId> myGroups, Config groupConfig) {
        // A restarted host starts nothing by itself: the application knows its groups and starts
        // each one again; it recovers from its data in the host's store.
        Map<GroupId, Node<Long, Long>> nodes = new HashMap<>();
        for (GroupId id : myGroups) {
            nodes.put(id, startGroup(host, id, groupConfig, new CounterStateMachine()));
        }
        return nodes;
    }
    // end::restart[]

    // tag::remove[]
    static void removeFromGroup(Node<?, ?> leader, NodeId member, RaftHost membersHost, GroupId id)
            throws Exception {
        leader.removeMember(member).get(30, TimeUnit.SECONDS);          // first: the group stops counting on it
        membersHost.stopGroup(id, true).get(30, TimeUnit.SECONDS);      // then: its copy of the data can go
    }
    // end::remove[]

    // tag::balance[]
    /** Hands this host's leaderships beyond its fair share to the hosts that lead the fewest groups. */
    static CompletableFuture<Integer> balanceLeaders(RaftHost host) {
        return host.rebalanceLeaders();             // completes with the number of transfers that succeeded
    }
    // end::balance[]

    // tag::watch[]
    static Node<Long, Long> startWatched(RaftHost host, GroupId id, Config groupConfig, CounterStateMachine counter,
            NodeListener listener) {
        return host.group(id, groupConfig)
                .stateMachine(counter)
                .codec(CounterStateMachine.CODEC)
                .listener(listener)                     // hears this group's very first role change
                .start();
    }

    static String describe(RaftHost host) {
        StringBuilder report = new StringBuilder();
        for (GroupId id : host.groups()) {              // one status per group, as for a single node
            host.node(id).map(Node::status).ifPresent(s -> report.append(id).append(' ').append(s.role())
                    .append(" term=").append(s.term()).append(" commit=").append(s.commitIndex()).append('\n'));
        }
        return report.toString();
    }
    // end::watch[]
}
