package dev.raftkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.testkit.cluster.LiveCluster;
import dev.raftkit.testkit.cluster.RaftCluster;
import dev.raftkit.testkit.cluster.RaftClusterExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RaftClusterExtension with the real providers of this module's class path, LMDB and gRPC, named as
 * an application names them: the cluster runs, survives a restart on its data, and once the test is
 * over its data directories are deleted and its ports are free again.
 */
class RealClusterExtensionTest {

    private static final List<Path> DATA = new ArrayList<>();
    private static final List<Address> ADDRESSES = new ArrayList<>();

    @RegisterExtension
    final RaftClusterExtension<Long, Long, CounterStateMachine, NodeListener> raft =
            RaftClusterExtension.of(CounterStateMachine.CODEC, CounterStateMachine::new);

    @Test
    @RaftCluster(logStore = "lmdb", transport = "grpc")
    void aClusterOnLmdbAndGrpcWritesAndRecoversItsData(LiveCluster<Long, Long, CounterStateMachine, NodeListener> cluster,
            Node<Long, Long> leader) throws Exception {
        for (NodeId id : cluster.ids()) {
            DATA.add(cluster.dataDir(id));
            ADDRESSES.add(cluster.address(id));
        }
        assertThat(leader.write(5L).get(30, TimeUnit.SECONDS)).isEqualTo(5L);
        assertThat(DATA).allMatch(Files::isDirectory);

        cluster.restart(leader.id());   // recovers its log from LMDB, rebinds its port
        NodeId next = cluster.awaitAgreedLeader();
        assertThat(cluster.node(next).write(2L).get(30, TimeUnit.SECONDS)).isEqualTo(7L);
        cluster.awaitConverged(CounterStateMachine::total);
        assertThat(cluster.readLocal(leader.id(), CounterStateMachine::total)).isEqualTo(7L);
    }

    @AfterAll
    static void theClustersFilesAndPortsAreReleased() throws IOException {
        assertThat(DATA).hasSize(3).noneMatch(Files::exists);
        assertThat(DATA.get(0).getParent()).doesNotExist();
        for (Address address : ADDRESSES) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), address.port()), 1);
            }
        }
    }
}
