package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Codec;
import dev.raftkit.Config;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.StateMachine;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SmokeTest {
    static final class Counter implements StateMachine<String, Long> {
        long value;
        public Long apply(long index, String c) { return ++value; }
        public void writeSnapshot(OutputStream out) {}
        public void restoreSnapshot(InputStream in) {}
    }

    @Test
    void threeNodes() throws Exception {
        Map<NodeId, Address> members = new TreeMap<>();
        for (int i = 1; i <= 3; i++) members.put(NodeId.of("s" + i), new Address("127.0.0.1", 19000 + i));
        List<Node<String, Long>> nodes = new ArrayList<>();
        for (NodeId id : members.keySet()) {
            Config c = Config.builder(id, members).logStore("memory").transport("memory").dataDir(Path.of("/mem/smoke/" + id)).build();
            nodes.add(Raft.builder(c).stateMachine(new Counter()).codec(Codec.utf8()).start());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Node<String, Long> leader = null;
        while (leader == null && System.nanoTime() < deadline) {
            for (var n : nodes) if (n.role() == Role.LEADER) leader = n;
            Thread.sleep(10);
        }
        assertThat(leader).isNotNull();
        long t0 = System.nanoTime();
        for (int i = 0; i < 1000; i++) assertThat(leader.write("x").get(5, TimeUnit.SECONDS)).isEqualTo(i + 1L);
        System.out.println("1000 seq writes in ms " + (System.nanoTime() - t0) / 1e6);
        Node<String, Long> l = leader;
        System.out.println("read " + leader.readLinearizable(() -> 42).get(5, TimeUnit.SECONDS));
        System.out.println(leader.status());
        nodes.forEach(Node::close);
    }
}
