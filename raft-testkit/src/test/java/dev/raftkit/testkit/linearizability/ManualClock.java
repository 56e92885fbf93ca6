package dev.raftkit.testkit.linearizability;

import java.util.function.LongSupplier;

/** A clock for tests that shows whatever time it was last set to. */
final class ManualClock implements LongSupplier {

    private long now;

    /** Sets the time every later reading returns. */
    void set(long time) {
        now = time;
    }

    @Override
    public long getAsLong() {
        return now;
    }
}
