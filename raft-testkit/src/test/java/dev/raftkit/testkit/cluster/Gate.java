package dev.raftkit.testkit.cluster;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gate that engine threads pass through and a test can {@link #hold()} shut, to keep a node's
 * work at a chosen point for as long as the test needs. Thread-safe.
 */
final class Gate {

    /** A held thread gives up after this long, so a forgotten gate cannot hang a thread forever. */
    private static final long LIMIT_SECONDS = 60;

    private final AtomicInteger waiting = new AtomicInteger();
    private volatile CountDownLatch latch = new CountDownLatch(0);

    /** Makes later {@link #pass} calls wait until {@link #release()}. */
    void hold() {
        if (latch.getCount() == 0) {
            latch = new CountDownLatch(1);
        }
    }

    /** Lets waiting and later callers through. */
    void release() {
        latch.countDown();
    }

    /** Returns whether a thread is waiting at the gate right now. */
    boolean isHoldingSomeone() {
        return waiting.get() > 0;
    }

    /**
     * Returns at once when the gate is open, else when it is released.
     *
     * @param what what waits, for the error message
     * @throws IllegalStateException if held for longer than a minute, or interrupted
     */
    void pass(String what) {
        CountDownLatch current = latch;
        if (current.getCount() == 0) {
            return;
        }
        waiting.incrementAndGet();
        try {
            if (!current.await(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(what + " held at the gate for " + LIMIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted at the gate", e);
        } finally {
            waiting.decrementAndGet();
        }
    }
}
