package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.BusyException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NodeStatus;
import dev.raftkit.core.RaftkitMetrics;
import dev.raftkit.testkit.kv.KvCommand;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's metrics in Micrometer: with {@code raftkit.metrics.micrometer=global}, a running
 * 3-node cluster reports role, term, commit and applied index, write latency, append sizes,
 * in-flight and rejected writes, per-follower lag, persist and snapshot sizes and durations in a
 * {@link SimpleMeterRegistry} added to the global registry, and removes them when the node closes.
 * With {@code =bind}, a node's meters go only to the registries bound with {@link RaftkitMetrics}.
 */
class MicrometerMetricsTest extends ClusterTestBase {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    @BeforeEach
    void addRegistry() {
        Metrics.addRegistry(registry);
    }

    @AfterEach
    void removeRegistry() {
        if (cluster != null) {
            cluster.close();
        }
        Metrics.removeRegistry(registry);
        registry.close();
    }

    @Test
    void aRunningClusterReportsItsStateWritesReplicationAndSnapshots() {
        cluster = clusterOf(3).tuning(c -> c.option("raftkit.metrics.micrometer", "global")
                .maxInflightWrites(64)).build().startAll();
        NodeId l = cluster.awaitAgreedLeader();
        Node<KvCommand, String> leader = cluster.node(l);
        Tags leaderTags = Tags.of("node", leader.id().value());
        for (int i = 0; i < 20; i++) {
            Await.value(leader.write(KvCommand.put("k", "v" + i)));
        }
        Await.value(leader.writeBatch(List.of(KvCommand.put("a", "1"), KvCommand.put("b", "2"))));
        Await.value(leader.snapshot());
        NodeId follower = cluster.followersOf(l).get(0);
        assertThatThrownBy(() -> cluster.node(follower).write(KvCommand.put("k", "x")).join())
                .hasMessageContaining("not the leader");
        List<CompletableFuture<String>> flood = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            flood.add(leader.write(KvCommand.put("f", Integer.toString(i))));
        }
        long busy = flood.stream().filter(f -> f.handle((r, e) -> e instanceof BusyException).join()).count();
        NodeStatus status = leader.status();

        assertThat(gauge("raftkit.node.role", leaderTags.and("role", "leader"))).isEqualTo(1.0);
        assertThat(gauge("raftkit.node.role", leaderTags.and("role", "follower"))).isEqualTo(0.0);
        assertThat(gauge("raftkit.node.term", leaderTags)).isEqualTo(status.term());
        assertThat(gauge("raftkit.node.commit.index", leaderTags)).isGreaterThanOrEqualTo(22);
        assertThat(gauge("raftkit.node.applied.index", leaderTags)).isGreaterThanOrEqualTo(22);
        assertThat(gauge("raftkit.node.snapshot.index", leaderTags)).isGreaterThanOrEqualTo(22);
        assertThat(gauge("raftkit.writes.inflight", leaderTags)).isZero();
        assertThat(registry.get("raftkit.write.latency").tags(leaderTags).timer().count())
                .isGreaterThanOrEqualTo(21);
        assertThat(registry.get("raftkit.append.commands").tags(leaderTags).summary().max()).isGreaterThanOrEqualTo(2);
        assertThat(registry.get("raftkit.persist.entries").tags(leaderTags).summary().count()).isPositive();
        assertThat(registry.get("raftkit.persist.latency").tags(leaderTags).timer().count()).isPositive();
        assertThat(registry.get("raftkit.snapshot.size").tags(leaderTags).summary().max()).isPositive();
        assertThat(registry.get("raftkit.snapshot.duration").tags(leaderTags).timer().count()).isEqualTo(1);
        assertThat(busy).as("writes beyond maxInflightWrites").isPositive();
        assertThat(registry.get("raftkit.writes.rejected").tags(leaderTags.and("error", "BusyException"))
                .counter().count()).isEqualTo(busy);
        assertThat(registry.get("raftkit.writes.rejected")
                .tags(Tags.of("node", follower.value(), "error", "NotLeaderException")).counter().count())
                .isEqualTo(1);
        for (NodeId f : cluster.followersOf(l)) {
            Tags lagTags = leaderTags.and("follower", f.value());
            Await.until("follower " + f + " caught up in the lag gauge",
                    () -> registry.find("raftkit.replication.lag").tags(lagTags).gauge() != null
                            && gauge("raftkit.replication.lag", lagTags) == 0.0);
        }

        cluster.stop(l);
        assertThat(registry.find("raftkit.node.term").tags(leaderTags).gauges()).as("meters of a closed node")
                .isEmpty();
        assertThat(registry.getMeters().stream().map(Meter::getId)
                .filter(id -> leader.id().value().equals(id.getTag("node")))).isEmpty();
    }

    @Test
    void anUnknownTargetIsRejectedByName() {
        cluster = clusterOf(1).tuning(c -> c.option("raftkit.metrics.micrometer", "prometheus")).build();
        assertThatThrownBy(() -> cluster.start(cluster.id(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("raftkit.metrics.micrometer must be off, global or bind");
    }

    @Test
    void aNodeStartedWithBindReportsOnlyToTheRegistriesBoundToIt() {
        cluster = clusterOf(1).tuning(c -> c.option("raftkit.metrics.micrometer", "bind")).build().startAll();
        Node<KvCommand, String> node = cluster.node(cluster.awaitAgreedLeader());
        Tags tags = Tags.of("node", node.id().value());
        Await.value(node.write(KvCommand.put("k", "before binding")));
        SimpleMeterRegistry own = new SimpleMeterRegistry();

        new RaftkitMetrics(node).bindTo(own);
        Await.value(node.write(KvCommand.put("k", "after binding")));

        assertThat(own.get("raftkit.node.role").tags(tags.and("role", "leader")).gauge().value()).isEqualTo(1.0);
        assertThat(own.get("raftkit.write.latency").tags(tags).timer().count()).as("writes since binding")
                .isEqualTo(1);
        assertThat(own.get("raftkit.persist.latency").tags(tags).timer().count()).isPositive();
        assertThat(registry.getMeters()).as("nothing in the global registry").isEmpty();

        cluster.stop(cluster.awaitAgreedLeader());
        assertThat(own.getMeters()).as("meters of a closed node").isEmpty();
    }

    @Test
    void bindingNeedsANodeStartedWithBind() {
        cluster = clusterOf(1).tuning(c -> c.option("raftkit.metrics.micrometer", "global")).build().startAll();
        assertThatThrownBy(() -> new RaftkitMetrics(cluster.node(cluster.id(0))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reports to Micrometer's global registry")
                .hasMessageContaining("raftkit.metrics.micrometer=bind");
        cluster.close();

        cluster = clusterOf(1).tuning(c -> c).build().startAll();
        assertThatThrownBy(() -> new RaftkitMetrics(cluster.node(cluster.id(0))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reports no metrics")
                .hasMessageContaining("raftkit.metrics.micrometer=bind");
    }

    private double gauge(String name, Tags tags) {
        return registry.get(name).tags(tags).gauge().value();
    }
}
