package dev.raftkit.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.examples.CounterStateMachine;
import dev.raftkit.testkit.cluster.LoopbackAddresses;
import dev.raftkit.testkit.toxiproxy.NetworkFault;
import dev.raftkit.testkit.toxiproxy.ToxiproxyExtension;
import dev.raftkit.testkit.toxiproxy.ToxiproxyNetwork;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

// The sample of docs/testing.md's "Network faults with Toxiproxy"; it runs in this module's build.
// tag::toxiproxy[]
class NetworkFaultsTest {

    // In-process: always available. ToxiproxyExtension.container() runs Toxiproxy in Docker instead.
    @RegisterExtension
    static final ToxiproxyExtension TOXIPROXY = ToxiproxyExtension.inProcess();

    @Test
    void theOthersElectANewLeaderWhenTheLeaderIsCutOff(@TempDir Path dir) throws Exception {
        String host = TOXIPROXY.endpoint().serviceBindHost();   // where Toxiproxy reaches this machine
        Map<NodeId, Address> real = new TreeMap<>();
        for (String name : List.of("n1", "n2", "n3")) {
            real.put(NodeId.of(name), new Address(host, LoopbackAddresses.free().port()));   // a free port
        }
        List<Node<Long, Long>> nodes = new ArrayList<>();
        try (ToxiproxyNetwork network = ToxiproxyNetwork.create(TOXIPROXY.endpoint(), real)) {
            for (NodeId id : real.keySet()) {
                Config config = Config.builder(id, network.membersFor(id))  // peers through their proxies
                        .dataDir(dir.resolve(id.value())).logStore("lmdb").transport("grpc").build();
                nodes.add(Raft.builder(config).stateMachine(new CounterStateMachine())
                        .codec(CounterStateMachine.CODEC).start());
            }
            Node<Long, Long> leader = awaitLeader(nodes, Optional.empty());
            leader.write(1L).get(30, TimeUnit.SECONDS);

            NetworkFault cut = network.isolate(leader.id());   // also partition, oneWay, latency, ...
            Node<Long, Long> next = awaitLeader(nodes, Optional.of(leader.id()));
            assertThat(next.write(1L).get(30, TimeUnit.SECONDS)).isEqualTo(2L);
            cut.heal();
        } finally {
            nodes.forEach(Node::close);
        }
    }

    /** Waits (generously: no timing is asserted) for a leader other than {@code not}. */
    private static Node<Long, Long> awaitLeader(List<Node<Long, Long>> nodes, Optional<NodeId> not)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (Node<Long, Long> node : nodes) {
                if (node.role() == Role.LEADER && !not.equals(Optional.of(node.id()))) {
                    return node;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no leader other than " + not + " within 60 s");
    }
}
// end::toxiproxy[]
