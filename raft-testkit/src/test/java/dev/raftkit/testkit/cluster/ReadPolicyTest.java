package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Membership;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.ReadPolicy;
import dev.raftkit.Role;
import dev.raftkit.testkit.kv.KvCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * API.md "Read policies" on a live cluster: {@code FOLLOWER} reads on followers, learners and the
 * leader, and {@code LEASE} reads on the leader, see every write completed before the call;
 * {@code FOLLOWER} fails with {@link NoLeaderException} when no leader is known or the leader does not
 * answer.
 */
class ReadPolicyTest extends ClusterTestBase {

    private static final int WRITES = 40;

    @Test
    void followerReadsOnEveryRoleSeeEveryWriteCompletedBeforeTheCall() {
        cluster = clusterOf(3).build().startAll();
        NodeId leader = cluster.awaitAgreedLeader();
        NodeId learner = cluster.startJoining(cluster.ids());
        Membership added = cluster.changeMembership(n -> n.addLearner(learner, cluster.address(learner)));
        assertThat(added.learners().keySet()).containsExactly(learner);
        Await.until(learner + " is a learner", () -> cluster.node(learner).role() == Role.LEARNER);
        List<NodeId> readers = new ArrayList<>(cluster.running());

        for (int i = 0; i < WRITES; i++) {
            String value = "v" + i;
            Await.value(cluster.node(leader).write(KvCommand.put("k", value)));
            for (NodeId reader : readers) {
                // Issued together on every node right after the write completed: each must see it.
                assertThat(Await.value(read(reader, ReadPolicy.FOLLOWER))).as("FOLLOWER read on %s (%s) after write %d",
                        reader, cluster.node(reader).role(), i).contains(value);
            }
        }
    }

    @Test
    void leaseReadsOnTheLeaderSeeEveryWriteCompletedBeforeTheCall() {
        cluster = clusterOf(3).build().startAll();
        NodeId leader = cluster.awaitAgreedLeader();

        for (int i = 0; i < WRITES; i++) {
            String value = "v" + i;
            Await.value(cluster.node(leader).write(KvCommand.put("k", value)));
            assertThat(Await.value(read(leader, ReadPolicy.LEASE))).as("LEASE read after write %d", i).contains(value);
        }
        NodeId follower = cluster.followersOf(leader).get(0);
        assertThat(Await.failure(read(follower, ReadPolicy.LEASE), NotLeaderException.class).leaderHint())
                .as("a lease read is the leader's").contains(leader);
    }

    @Test
    void followerReadWithNoLeaderKnownFailsNoLeader() {
        // One member of three, with an election timeout far beyond the test: no leader, ever.
        cluster = clusterOf(3)
                .tuning(c -> c.tickInterval(Duration.ofMillis(10)).electionTimeoutTicks(60_000, 60_001)).build();
        cluster.start(cluster.id(0));

        Await.failure(read(cluster.id(0), ReadPolicy.FOLLOWER), NoLeaderException.class);
    }

    @Test
    void followerReadFailsNoLeaderWhenTheLeaderNeverAnswers() {
        cluster = clusterOf(3).build().startAll();
        NodeId leader = cluster.awaitAgreedLeader();
        NodeId follower = cluster.followersOf(leader).get(0);
        Await.until(follower + " follows " + leader, () -> cluster.node(follower).leader().equals(Optional.of(leader)));
        // The follower still hears the leader's heartbeats, but nothing it sends reaches the leader.
        cluster.network().block(follower, leader);

        CompletableFuture<Optional<String>> read = read(follower, ReadPolicy.FOLLOWER);

        Await.failure(read, NoLeaderException.class);
        assertThat(cluster.node(follower).leader()).as("it still follows the leader").contains(leader);
    }

    /** Reads key {@code k} on {@code id} with {@code policy}. */
    private CompletableFuture<Optional<String>> read(NodeId id, ReadPolicy policy) {
        Node<KvCommand, String> node = cluster.node(id);
        RecordingKv stateMachine = cluster.stateMachine(id);
        return node.read(policy, () -> stateMachine.kv().get("k"));
    }
}
