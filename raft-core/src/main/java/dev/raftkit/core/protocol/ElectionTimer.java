package dev.raftkit.core.protocol;

import java.util.random.RandomGenerator;

/**
 * A follower's or candidate's election clock, counted in ticks: it fires after a timeout drawn at
 * random in {@code [electionTimeoutMin, electionTimeoutMax]} (Raft §5.2) so that nodes rarely
 * campaign at once. A new timer is drawn on every role change; hearing the leader or granting a vote
 * restarts the count.
 */
final class ElectionTimer {

    private final int timeout;
    private int elapsed;

    ElectionTimer(CoreOptions options, RandomGenerator random) {
        this.timeout = options.electionTimeoutMin()
                + random.nextInt(options.electionTimeoutMax() - options.electionTimeoutMin() + 1);
    }

    /**
     * Counts one tick.
     *
     * @param promotable whether the node may campaign (a voter); otherwise the count just grows
     * @return whether a campaign is due: the timeout passed, and the count restarts
     */
    boolean tick(boolean promotable) {
        elapsed++;
        if (promotable && elapsed >= timeout) {
            elapsed = 0;
            return true;
        }
        return false;
    }

    /** Restarts the count: the leader was heard, or a vote was granted. */
    void restart() {
        elapsed = 0;
    }

    /** {@return the ticks since the count last restarted} */
    int elapsed() {
        return elapsed;
    }
}
