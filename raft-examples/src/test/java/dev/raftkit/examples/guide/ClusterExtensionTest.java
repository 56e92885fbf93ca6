package dev.raftkit.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.examples.CounterStateMachine;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.cluster.RaftCluster;
import dev.raftkit.testkit.cluster.RaftClusterExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The guide's cluster extension sample (docs/testing.md), run on the example counter. */
// tag::extension[]
@RaftCluster(nodes = 3)   // the default; also logStore = "lmdb", transport = "grpc" for real ones
class ClusterExtensionTest {

    @RegisterExtension
    final RaftClusterExtension<Long, Long, CounterStateMachine, NodeListener> raft =
            RaftClusterExtension.of(CounterStateMachine.CODEC, CounterStateMachine::new);

    @Test
    void writesGoOnWhenTheLeaderIsCutOff(LiveCluster<Long, Long, CounterStateMachine, NodeListener> cluster,
            Node<Long, Long> leader) throws Exception {           // the node that leads as the test starts
        assertThat(leader.write(5L).get(30, TimeUnit.SECONDS)).isEqualTo(5L);

        cluster.isolate(leader.id());                           // memory transport: isolate, heal, network()
        NodeId next = cluster.awaitLeader(cluster.followersOf(leader.id()));
        assertThat(cluster.node(next).write(1L).get(30, TimeUnit.SECONDS)).isEqualTo(6L);

        cluster.heal();
        cluster.restart(leader.id());                          // also stop(id), start(id)
        cluster.awaitConverged(CounterStateMachine::total);    // every running node applied the same
        assertThat(cluster.readLocal(leader.id(), CounterStateMachine::total)).isEqualTo(6L);
    }
}
// end::extension[]
