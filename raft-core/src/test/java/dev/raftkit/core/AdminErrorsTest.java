package dev.raftkit.core;

import static dev.raftkit.core.OneNode.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The documented failure types of the administrative calls, and idempotent membership requests, on
 * one node in virtual time ({@link OneNode}): {@link IllegalArgumentException} for a request that can
 * never succeed, {@link IllegalStateException} for one that cannot run now, {@link TimeoutException}
 * for a learner that never catches up; a request for what the configuration already holds
 * completes with it, unchanged.
 */
class AdminErrorsTest {

    private static final NodeId N2 = NodeId.of("n2");
    private static final Address N2_ADDRESS = Address.parse("127.0.0.1:2");

    @Test
    void removingTheLastVoterIsInvalidAndChangesNothing() {
        OneNode n = new OneNode().elected();
        long index = membership(n).index();

        assertThat(failureOf(settled(n, n.node.removeMember(OneNode.ID))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("last voter");
        assertThat(membership(n).index()).isEqualTo(index);
    }

    @Test
    void transferringLeadershipToANonMemberIsInvalid() {
        OneNode n = new OneNode().elected();

        assertThat(failureOf(settled(n, n.node.transferLeadership(N2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a voter");
    }

    @Test
    void membershipRequestsAreIdempotentAndNeverDemoteOrMoveAMember() {
        OneNode n = new OneNode().elected();
        n.transport.dropSends = true; // n2 never answers
        Membership withLearner = settled(n, n.node.addLearner(N2, N2_ADDRESS)).join();
        assertThat(withLearner.learners()).containsEntry(N2, N2_ADDRESS);

        assertThat(settled(n, n.node.addLearner(N2, N2_ADDRESS))).as("adding the learner again")
                .isCompletedWithValue(withLearner);
        assertThat(settled(n, n.node.addVoter(OneNode.ID, Address.parse("127.0.0.1:1"))))
                .as("adding the voter again").isCompletedWithValue(withLearner);
        assertThat(settled(n, n.node.removeMember(NodeId.of("n9")))).as("removing a non-member")
                .isCompletedWithValue(withLearner);
        assertThat(failureOf(settled(n, n.node.addLearner(OneNode.ID, Address.parse("127.0.0.1:1")))))
                .as("demoting a voter").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not demote");
        Address elsewhere = Address.parse("127.0.0.1:9");
        assertThat(failureOf(settled(n, n.node.addLearner(N2, elsewhere)))).as("a learner at another address")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already a member at " + N2_ADDRESS);
        assertThat(failureOf(settled(n, n.node.addVoter(N2, elsewhere)))).as("promoting at another address")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already a member at " + N2_ADDRESS);
        assertThat(membership(n)).isEqualTo(withLearner);
    }

    @Test
    void aLearnerThatMakesNoProgressTimesOutAndStaysALearner() {
        OneNode n = new OneNode().elected();
        n.transport.dropSends = true; // n2 never answers, so never catches up
        n.write("a");
        CompletableFuture<Membership> promotion = settled(n, n.node.addVoter(N2, N2_ADDRESS));
        assertThat(promotion).isNotDone();

        Config defaults = Config.builder(OneNode.ID, Map.of(OneNode.ID, N2_ADDRESS)).build();
        long patienceTicks = 100L * defaults.electionTimeoutTicksMax();
        n.runtime.advance(Duration.ofMillis(10).multipliedBy(patienceTicks + 10).toNanos());

        assertThat(failureOf(promotion)).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("stays a learner");
        assertThat(membership(n).learners()).containsKey(N2);
        assertThat(membership(n).voters()).containsOnlyKeys(OneNode.ID);
    }

    @Test
    void aSnapshotThatCannotBeTakenFailsWithIllegalStateException() {
        OneNode fresh = new OneNode();
        assertThat(failureOf(settled(fresh, fresh.node.snapshot()))).as("nothing applied yet")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("nothing has been applied");

        OneNode n = new OneNode().elected();
        n.write("a");
        // OneNode's state machine refuses to write snapshots (UnsupportedOperationException).
        assertThat(failureOf(settled(n, n.node.snapshot()))).as("writeSnapshot threw")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("nothing changed")
                .hasCauseInstanceOf(UnsupportedOperationException.class);
    }

    private static <T> CompletableFuture<T> settled(OneNode n, CompletableFuture<T> call) {
        n.runtime.settle();
        return call;
    }

    /** {@return the configuration {@code n}'s listeners heard last} */
    private static Membership membership(OneNode n) {
        AtomicReference<Membership> heard = new AtomicReference<>();
        n.node.addListener(new NodeListener() {
            @Override
            public void onMembershipChange(Membership membership) {
                heard.set(membership);
            }
        });
        n.runtime.settle();
        return heard.get();
    }
}
