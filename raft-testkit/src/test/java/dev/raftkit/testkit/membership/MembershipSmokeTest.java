package dev.raftkit.testkit.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Membership;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.Role;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MembershipSmokeTest {
    final Map<NodeId, Address> all = new TreeMap<>();
    final Map<NodeId, Node<KvCommand, String>> nodes = new TreeMap<>();

    @AfterEach
    void close() { nodes.values().forEach(Node::close); }

    Node<KvCommand, String> start(NodeId id, Map<NodeId, Address> members, boolean join) {
        Config c = Config.builder(id, members).logStore("memory").transport("memory")
                .dataDir(Path.of("/mem/msmoke/" + System.identityHashCode(this) + "/" + id)).joinExisting(join).build();
        var n = Raft.builder(c).stateMachine(new KvStateMachine()).codec(KvCommand.CODEC).start();
        nodes.put(id, n);
        return n;
    }

    Node<KvCommand, String> leader() throws Exception {
        for (int i = 0; i < 500; i++) {
            for (var n : nodes.values()) if (n.role() == Role.LEADER) return n;
            Thread.sleep(10);
        }
        throw new AssertionError("no leader");
    }

    @Test
    void growToFiveAndShrinkToThree() throws Exception {
        for (int i = 1; i <= 5; i++) all.put(NodeId.of("m" + i), new Address("127.0.0.1", 29300 + i + (System.identityHashCode(this) % 500) * 10));
        Map<NodeId, Address> initial = new TreeMap<>(all);
        initial.remove(NodeId.of("m4"));
        initial.remove(NodeId.of("m5"));
        for (NodeId id : initial.keySet()) start(id, initial, false);
        var leader = leader();
        for (int i = 0; i < 50; i++) leader.write(KvCommand.put("k", "v" + i)).get(5, TimeUnit.SECONDS);
        for (String n : new String[] {"m4", "m5"}) {
            NodeId id = NodeId.of(n);
            Map<NodeId, Address> joinView = new TreeMap<>(initial);
            joinView.put(id, all.get(id));
            start(id, joinView, true);
            Membership m = leader.addVoter(id, all.get(id)).get(20, TimeUnit.SECONDS);
            System.out.println("added " + n + ": " + m);
            assertThat(m.isVoter(id)).isTrue();
        }
        assertThat(leader.status().voters()).hasSize(5);
        leader.write(KvCommand.put("k", "five")).get(5, TimeUnit.SECONDS);
        NodeId oldLeader = leader.id();
        Membership m = leader.removeMember(oldLeader).get(20, TimeUnit.SECONDS);
        System.out.println("removed leader: " + m);
        Thread.sleep(50);
        var next = leader();
        System.out.println("new leader " + next.id());
        assertThat(next.id()).isNotEqualTo(oldLeader);
        NodeId other = m.voters().keySet().stream().filter(x -> !x.equals(next.id())).findFirst().orElseThrow();
        m = next.removeMember(other).get(20, TimeUnit.SECONDS);
        assertThat(m.voters()).hasSize(3);
        next.write(KvCommand.put("k", "three")).get(5, TimeUnit.SECONDS);
        NodeId target = m.voters().keySet().stream().filter(x -> !x.equals(next.id())).findFirst().orElseThrow();
        next.transferLeadership(target).get(10, TimeUnit.SECONDS);
        assertThat(nodes.get(target).role()).isEqualTo(Role.LEADER);
        nodes.get(target).write(KvCommand.put("k", "moved")).get(5, TimeUnit.SECONDS);
    }
}
