package dev.raftkit.core.protocol;

import static dev.raftkit.core.protocol.TestCluster.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.TimeoutNow;
import org.junit.jupiter.api.Test;

/**
 * Lease reads on the leader (dissertation §6.4.1): served with no heartbeat round while the lease
 * from the latest acknowledged round holds, otherwise by ReadIndex; never from a lease during a
 * transfer, before the term's no-op commits, or without check-quorum. Time is the harness's virtual
 * clock.
 */
class LeaseReadTest {

    private static final long LEASE = 1_000;

    private static CoreOptions options(boolean checkQuorum) {
        return new CoreOptions(10, 20, 1, false, checkQuorum, CoreOptions.DEFAULT_MAX_APPEND_BYTES, 1024, 1 << 20,
                false, false, LEASE, false);
    }

    /** A cluster whose leader n1 has committed its no-op and holds a lease from a round sent at the current clock. */
    private static TestCluster leaseHeld() {
        TestCluster c = new TestCluster(options(true), 1, ids(3));
        c.elect("n1");
        c.tick("n1");
        c.stabilize();
        return c;
    }

    @Test
    void leaseServesWithoutARoundUntilExactlyItsExpiry() {
        TestCluster c = leaseHeld();
        long commit = c.core("n1").commitIndex();
        int mark = c.sentCount();

        c.advanceNanos(LEASE - 1);
        c.leaseRead("n1", 1);
        assertThat(c.reads("n1")).as("served at once").containsExactly(new ReadState(1, commit));
        assertThat(c.sentSince(mark, Heartbeat.class)).as("with no round").isEmpty();

        c.advanceNanos(1);
        c.leaseRead("n1", 2);
        assertThat(c.reads("n1")).as("expired: waits for a round").hasSize(1);
        assertThat(c.sentSince(mark, Heartbeat.class)).isNotEmpty();
        c.stabilize();
        assertThat(c.reads("n1")).containsExactly(new ReadState(1, commit), new ReadState(2, commit));
    }

    // The lease runs from when the round was sent, not from when the answers came back: a follower
    // may have heard the leader as early as the send.
    @Test
    void leaseRunsFromTheSendTimeOfTheAcknowledgedRound() {
        TestCluster c = new TestCluster(options(true), 1, ids(3));
        c.elect("n1");
        c.tick("n1"); // round sent at clock 0
        c.advanceNanos(600);
        c.stabilize(); // acknowledged at 600
        c.advanceNanos(LEASE - 600 - 1);

        c.leaseRead("n1", 1);
        assertThat(c.reads("n1")).hasSize(1);

        c.advanceNanos(1);
        c.leaseRead("n1", 2);
        assertThat(c.reads("n1")).as("expired at send time + lease, though acknowledged later").hasSize(1);
    }

    @Test
    void noLeaseReadDuringALeadershipTransfer() {
        TestCluster c = leaseHeld();
        c.dropAlways(m -> m instanceof TimeoutNow); // the target never takes over
        c.tick("n1"); // a round in flight when the transfer starts
        assertThat(c.core("n1").transferLeadership(NodeId.of("n2"))).isEqualTo(TransferResult.STARTED);

        c.leaseRead("n1", 1);
        assertThat(c.reads("n1")).as("no lease during the transfer").isEmpty();
        c.stabilize();
        assertThat(c.reads("n1")).as("served by its ReadIndex round").hasSize(1);

        for (int t = 0; t < options(true).electionTimeoutMin() && c.core("n1").transferTarget().isPresent(); t++) {
            c.tickAll();
            c.stabilize();
        }
        assertThat(c.core("n1").transferTarget()).as("the transfer was abandoned").isEmpty();
        c.tick("n1");
        c.stabilize();
        c.leaseRead("n1", 2);
        assertThat(c.reads("n1")).as("a round sent after the transfer ended starts a new lease").hasSize(2);
    }

    @Test
    void noLeaseReadBeforeTheTermsNoOpCommits() {
        TestCluster c = new TestCluster(options(true), 1, ids(3));
        c.dropAlways(m -> m instanceof AppendEntriesResponse); // heartbeats answered, the no-op never commits
        c.elect("n1");
        c.tick("n1");
        c.stabilize();
        assertThat(c.sentSince(0, HeartbeatResponse.class)).isNotEmpty();

        c.leaseRead("n1", 1);
        c.stabilize();

        assertThat(c.reads("n1")).isEmpty();
    }

    @Test
    void noLeaseReadWithoutCheckQuorum() {
        TestCluster c = new TestCluster(options(false), 1, ids(3));
        c.elect("n1");
        c.tick("n1");
        c.stabilize();

        c.leaseRead("n1", 1);

        assertThat(c.reads("n1")).as("waits for a ReadIndex round").isEmpty();
        c.stabilize();
        assertThat(c.reads("n1")).hasSize(1);
    }

    @Test
    void notTheLeaderRefuses() {
        TestCluster c = leaseHeld();

        assertThat(c.leaseRead("n2", 1)).isFalse();
    }

    // The driver publishes the grant for reads that skip it: the lease's end and the commit index,
    // only on the leader, and read with the same clock rule as leaseRead.
    @Test
    void theGrantCarriesTheCommitIndexAndTheLeasesEnd() {
        TestCluster c = leaseHeld(); // round sent at clock 0

        LeaseGrant grant = c.core("n1").leaseGrant();

        assertThat(grant).isNotNull();
        assertThat(grant.readIndex()).isEqualTo(c.core("n1").commitIndex());
        assertThat(grant.holds(LEASE - 1)).isTrue();
        assertThat(grant.holds(LEASE)).isFalse();
        assertThat(c.core("n2").leaseGrant()).as("a follower grants nothing").isNull();
    }

    // Whatever ends the lease withdraws the grant at once, so the driver, which takes it after every
    // step, withdraws it before that step's messages leave.
    @Test
    void theGrantIsWithdrawnByATransferAndByAStepDown() {
        TestCluster c = leaseHeld();
        c.dropAlways(m -> m instanceof TimeoutNow);
        c.core("n1").transferLeadership(NodeId.of("n2"));
        assertThat(c.core("n1").leaseGrant()).as("during a transfer").isNull();

        TestCluster d = leaseHeld();
        long term = d.core("n1").term();
        d.deliver(new Heartbeat(NodeId.of("n2"), NodeId.of("n1"), term + 1, 0, 0));
        assertThat(d.core("n1").leaseGrant()).as("after stepping down").isNull();
    }

    @Test
    void noGrantBeforeTheTermsNoOpCommits() {
        TestCluster c = new TestCluster(options(true), 1, ids(3));
        c.dropAlways(m -> m instanceof AppendEntriesResponse);
        c.elect("n1");
        c.tick("n1");
        c.stabilize();

        assertThat(c.core("n1").leaseGrant()).isNull();
    }
}
