package dev.raftkit.core;

import static dev.raftkit.core.OneNode.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.NodeId;
import dev.raftkit.NodeState;
import dev.raftkit.ShutdownException;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * {@code Node.awaitLeader()}, on one node in virtual time ({@link OneNode}) and on
 * {@link LeaderWaits} alone: it completes at once with a known leader and later once one is
 * elected, fails only with {@link ShutdownException} (at once on a stopped node, and when the node
 * stops while waiting, whatever stopped it), and forgets every waiter once its future completes.
 */
class LeaderWaitsTest {

    @Test
    void completesAtOnceWhenTheNodeKnowsALeader() {
        OneNode n = new OneNode().elected();
        n.runtime.settle();

        assertThat(n.node.awaitLeader()).as("done before any node thread runs").isCompletedWithValue(OneNode.ID);
    }

    @Test
    void completesOnceTheNodeLearnsOfALeader() {
        OneNode n = new OneNode();
        CompletableFuture<NodeId> leader = n.node.awaitLeader();
        n.runtime.settle();
        assertThat(leader).isNotDone();

        n.elected();
        n.runtime.settle();
        assertThat(leader).isCompletedWithValue(OneNode.ID);
    }

    @Test
    void failsWithShutdownWhenTheNodeClosesWhileWaitingAndAtOnceAfterwards() {
        OneNode n = new OneNode();
        CompletableFuture<NodeId> waiting = n.node.awaitLeader();
        n.runtime.settle();

        n.closeFromNodeThread();
        assertThat(failureOf(waiting)).isInstanceOf(ShutdownException.class);
        assertThat(failureOf(n.node.awaitLeader())).isInstanceOf(ShutdownException.class);
    }

    @Test
    void failsWithShutdownNotTheFaultWhenTheNodeFailsWhileWaiting() {
        OneNode n = new OneNode();
        CompletableFuture<NodeId> waiting = n.node.awaitLeader();
        n.store.failNextPersist(new IOException("disk gone")); // the vote for itself is persisted first
        n.runtime.advance(Duration.ofSeconds(2).toNanos());
        assertThat(n.node.status().state()).isEqualTo(NodeState.FAILED);

        assertThat(failureOf(waiting)).isInstanceOf(ShutdownException.class).hasMessageContaining("disk gone");
        assertThat(failureOf(n.node.awaitLeader())).isInstanceOf(ShutdownException.class)
                .hasMessageContaining("disk gone");
    }

    @Test
    void aWaiterIsForgottenOnceItsFutureCompletesHoweverItCompletes() {
        LeaderWaits waits = new LeaderWaits("n1");
        CompletableFuture<NodeId> elected = waits.await(Optional::empty);
        CompletableFuture<NodeId> timedOut = waits.await(Optional::empty);
        CompletableFuture<NodeId> cancelled = waits.await(Optional::empty);
        assertThat(waits.waiting()).isEqualTo(3);

        timedOut.completeExceptionally(new TimeoutException("the caller's orTimeout"));
        cancelled.cancel(false);
        waits.leaderChanged(Optional.empty());
        assertThat(waits.waiting()).isEqualTo(1);
        assertThat(elected).isNotDone();

        waits.leaderChanged(Optional.of(OneNode.ID));
        assertThat(elected).isCompletedWithValue(OneNode.ID);
        assertThat(waits.waiting()).isZero();
        assertThat(waits.await(() -> Optional.of(OneNode.ID))).isCompletedWithValue(OneNode.ID);
        assertThat(waits.waiting()).isZero();
    }
}
