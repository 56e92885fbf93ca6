package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Codec;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.RaftException;
import dev.raftkit.SessionExpiredException;
import dev.raftkit.SessionId;
import dev.raftkit.testkit.kv.KvCommand;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Sessions across a cluster: a write whose outcome its leader never reported, retried on the next
 * leader, applies once and answers as the first apply did; every replica, also one restarted from
 * its snapshot and one that installed the leader's snapshot, de-duplicates and expires sessions
 * as the leader does.
 */
class SessionsClusterTest extends ClusterTestBase {

    private static final KvCommand SEED = KvCommand.put("k", "v0");
    /** Answers "true" when it applies first, "false" when it applies again. */
    private static final KvCommand CAS = KvCommand.cas("k", "v0", "v1");

    private static long appliesOf(RecordingKv stateMachine, KvCommand command) {
        return stateMachine.applied().stream().filter(a -> a.command().equals(command)).count();
    }

    @Test
    void aWriteRetriedOnTheNextLeaderAfterFailoverAppliesOnceAndAnswersAsTheFirstApply() {
        cluster = clusterOf(3).responseCodec(Codec.utf8()).build().startAll();
        NodeId leader = cluster.awaitAgreedLeader();
        SessionId session = cluster.onLeader(Node::openSession);
        cluster.write(SEED);
        // The leader's apply is held: the write commits and applies on the followers, but its writer
        // never hears back before the leader stops.
        cluster.stateMachine(leader).hold();
        CompletableFuture<String> first = cluster.node(leader).write(session, 1, CAS);
        List<NodeId> followers = cluster.followersOf(leader);
        for (NodeId f : followers) {
            Await.until(f + " to apply the write", () -> cluster.stateMachine(f).find(CAS).isPresent());
        }
        cluster.stop(leader);
        Await.failure(first, RaftException.class);

        String retried = cluster.onLeader(node -> node.write(session, 1, CAS));

        assertThat(retried).as("the retry's response, recorded by the first apply").isEqualTo("true");
        for (NodeId f : followers) {
            assertThat(appliesOf(cluster.stateMachine(f), CAS)).as("applies of the write on %s", f).isEqualTo(1);
        }
    }

    @Test
    void everyReplicaDeduplicatesAndExpiresAsTheLeaderAfterRestartAndSnapshotInstall() {
        Duration timeout = Duration.ofMillis(300);
        cluster = clusterOf(3).responseCodec(Codec.utf8())
                .tuning(c -> c.sessionTimeout(timeout).sessionWindow(100_000).snapshotThreshold(0)
                        .option("raftkit.snapshot.trailingEntries", "0"))
                .build().startAll();
        NodeId leader = cluster.awaitAgreedLeader();
        NodeId installer = cluster.followersOf(leader).get(0);
        NodeId restarter = cluster.followersOf(leader).get(1);
        cluster.stop(installer); // it learns of the sessions from a snapshot only
        SessionId idle = cluster.onLeader(Node::openSession);
        SessionId busy = cluster.onLeader(Node::openSession);
        cluster.write(SEED);
        String firstApply = cluster.onLeader(node -> node.write(busy, 1, CAS));
        assertThat(firstApply).isEqualTo("true");

        // Log time passes while only the busy session is used: the idle one expires.
        long sequence = 2;
        long started = System.nanoTime();
        while (System.nanoTime() - started < 2 * timeout.toNanos()) {
            long s = sequence++;
            cluster.onLeader(node -> node.write(busy, s, KvCommand.put("busy", Long.toString(s))));
        }
        List<NodeId> running = cluster.running();
        long commit = cluster.node(cluster.awaitLeader()).status().commitIndex();
        cluster.snapshotAt(commit, running);
        cluster.start(installer);
        cluster.awaitTrue(installer + " to install a snapshot",
                () -> cluster.node(installer).status().snapshotIndex() >= commit);
        assertThat(cluster.stateMachine(installer).find(CAS)).as("the write came with the snapshot").isEmpty();
        cluster.restart(restarter);

        for (NodeId id : List.of(installer, restarter, leader)) {
            cluster.onLeader(node -> node.transferLeadership(id));
            cluster.awaitTrue(id + " to lead", () -> cluster.awaitLeader().equals(id));
            Node<KvCommand, String> node = cluster.node(id);
            long appliesBefore = appliesOf(cluster.stateMachine(id), CAS);

            SessionExpiredException expired = Await.failure(node.write(idle, 1, KvCommand.put("idle", id.value())),
                    SessionExpiredException.class);
            String retried = Await.value(node.write(busy, 1, CAS));

            assertThat(expired.mayHaveCommitted()).as("the idle session's write on %s", id).isFalse();
            assertThat(retried).as("the retried write's response on %s", id).isEqualTo("true");
            assertThat(appliesOf(cluster.stateMachine(id), CAS)).as("applies of the retried write on %s", id)
                    .isEqualTo(appliesBefore);
            Optional<String> idleValue = cluster.readLocal(id, (RecordingKv sm) -> sm.kv().get("idle"));
            assertThat(idleValue).as("the idle write on %s", id).isEmpty();
        }
    }
}
