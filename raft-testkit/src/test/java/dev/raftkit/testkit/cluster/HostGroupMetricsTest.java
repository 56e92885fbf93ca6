package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.Raft;
import dev.raftkit.RaftHost;
import dev.raftkit.core.RaftkitMetrics;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two groups on one host whose members have the same id, both bound to one registry: each group's
 * meters carry a {@code group} tag, so they are distinct meters that count only their own group.
 */
class HostGroupMetricsTest {

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private RaftHost host;

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
        registry.close();
    }

    @Test
    void groupsWithTheSameMemberIdHaveTheirOwnMeters() {
        Address address = new Address("metrics-host-" + run, 7000);
        host = Raft.host(HostConfig.builder(address).dataDir(Path.of("/memory/host-metrics-" + run))
                .logStore("memory").transport("memory").threads(2)
                .option("raftkit.metrics.micrometer", "bind").build()).start();
        NodeId self = NodeId.of("m1");
        Node<KvCommand, String> a = startGroup(GroupId.of("a"), self, address);
        Node<KvCommand, String> b = startGroup(GroupId.of("b"), self, address);
        new RaftkitMetrics(a).bindTo(registry);
        new RaftkitMetrics(b).bindTo(registry);
        Await.value(a.awaitLeader());
        Await.value(b.awaitLeader());

        for (int i = 0; i < 3; i++) {
            Await.value(a.write(KvCommand.put("k", "a" + i)));
        }
        for (int i = 0; i < 5; i++) {
            Await.value(b.write(KvCommand.put("k", "b" + i)));
        }

        Tags node = Tags.of("node", "m1");
        assertThat(registry.get("raftkit.write.latency").tags(node).timers()).hasSize(2);
        assertThat(registry.get("raftkit.write.latency").tags(node.and("group", "a")).timer().count()).isEqualTo(3);
        assertThat(registry.get("raftkit.write.latency").tags(node.and("group", "b")).timer().count()).isEqualTo(5);
        assertThat(registry.get("raftkit.node.role").tags(node.and("group", "a", "role", "leader")).gauge().value())
                .isEqualTo(1.0);
        assertThat(registry.get("raftkit.node.role").tags(node.and("group", "b", "role", "leader")).gauge().value())
                .isEqualTo(1.0);
    }

    private Node<KvCommand, String> startGroup(GroupId group, NodeId self, Address address) {
        return host.<KvCommand, String>group(group, Config.builder(self, Map.of(self, address)).build())
                .stateMachine(new KvStateMachine()).codec(KvCommand.CODEC).start();
    }
}
