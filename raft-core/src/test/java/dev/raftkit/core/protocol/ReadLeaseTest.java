package dev.raftkit.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link ReadLease} on its own: which acknowledgements start a lease, from which send time, and for how long. */
class ReadLeaseTest {

    private static final long DURATION = 100;

    /** {@return whether the lease, as granted now, holds at {@code nowNanos}} */
    private static boolean holds(ReadLease lease, long nowNanos) {
        LeaseGrant grant = lease.grant(0);
        return grant != null && grant.holds(nowNanos);
    }

    @Test
    void holdsFromTheSendTimeOfTheAcknowledgedRoundUntilExactlyItsDuration() {
        ReadLease lease = new ReadLease(DURATION, false);
        lease.roundsSent(1, 1_000);
        lease.roundsSent(3, 1_050); // rounds 2 and 3 left together

        lease.quorumAcknowledged(2);

        assertThat(holds(lease, 1_149)).isTrue();
        assertThat(holds(lease, 1_150)).as("round 2 left at 1,050").isFalse();
    }

    @Test
    void anAcknowledgementOfAnOlderRoundNeverShortensTheLease() {
        ReadLease lease = new ReadLease(DURATION, false);
        lease.roundsSent(1, 1_000);
        lease.roundsSent(2, 1_080);
        lease.quorumAcknowledged(2);

        lease.quorumAcknowledged(1);

        assertThat(holds(lease, 1_179)).isTrue();
    }

    @Test
    void endedLeaseIsNotRestoredByRoundsStartedBeforeTheEnd() {
        ReadLease lease = new ReadLease(DURATION, false);
        lease.roundsSent(1, 1_000);
        lease.roundsSent(2, 1_010);
        lease.end(3); // round 3 started, not yet stamped

        lease.roundsSent(3, 1_020);
        lease.quorumAcknowledged(3);
        assertThat(holds(lease, 1_030)).isFalse();

        lease.roundsSent(4, 1_040);
        lease.quorumAcknowledged(4);
        assertThat(holds(lease, 1_050)).as("a round started after the end").isTrue();
    }

    @Test
    void aRoundWhoseStampWasForgottenStartsNoLease() {
        ReadLease lease = new ReadLease(DURATION, false);
        for (int round = 1; round <= ReadLease.MAX_STAMPS + 1; round++) {
            lease.roundsSent(round, 1_000L * round);
        }

        lease.quorumAcknowledged(1);

        assertThat(holds(lease, 1_001)).isFalse();
        lease.quorumAcknowledged(ReadLease.MAX_STAMPS + 1);
        assertThat(holds(lease, 1_000L * (ReadLease.MAX_STAMPS + 1))).isTrue();
    }

    @Test
    void zeroDurationNeverHolds() {
        ReadLease lease = new ReadLease(0, false);
        lease.roundsSent(1, 1_000);
        lease.quorumAcknowledged(1);

        assertThat(holds(lease, 1_000)).isFalse();
    }

    @Test
    void theMutationSwitchIgnoresExpiry() {
        ReadLease lease = new ReadLease(DURATION, true);
        lease.roundsSent(1, 1_000);
        lease.quorumAcknowledged(1);

        assertThat(holds(lease, 1_000_000)).isTrue();
    }
}
