package dev.raftkit.core.protocol;

import java.util.random.RandomGenerator;

/**
 * A follower's or candidate's election clock, counted in ticks: it fires after a timeout drawn at
 * random in {@code [electionTimeoutMin, electionTimeoutMax]} (Raft §5.2) so that nodes rarely
 * campaign at once. A new timer is drawn on every role change; hearing the leader or granting a vote
 * restarts the count.
 */
final class ElectionTimer {

    /** The drawn timeout. */
    private final int drawn;
    /** The timeout of the running count: {@link #drawn}, unless {@link #restartAfterSilence} set another. */
    private int timeout;
    private int elapsed;

    ElectionTimer(CoreOptions options, RandomGenerator random) {
        this.drawn = options.electionTimeoutMin()
                + random.nextInt(options.electionTimeoutMax() - options.electionTimeoutMin() + 1);
        this.timeout = drawn;
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
            restart();
            return true;
        }
        return false;
    }

    /** Restarts the count: the leader was heard, or a vote was granted. */
    void restart() {
        elapsed = 0;
        timeout = drawn;
    }

    /**
     * Restarts the count as if the leader had been silent for {@code silent} ticks already, with
     * another timeout for this count only: the next restart goes back to the drawn one.
     *
     * @param silent the ticks the count starts at
     * @param ticks the timeout of this count, from zero
     */
    void restartAfterSilence(int silent, int ticks) {
        elapsed = silent;
        timeout = ticks;
    }

    /** {@return the drawn timeout, in {@code [electionTimeoutMin, electionTimeoutMax]}} */
    int drawn() {
        return drawn;
    }

    /** {@return the ticks since the count last restarted} */
    int elapsed() {
        return elapsed;
    }
}
