package dev.raftkit.it.harness;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Polls for a condition with a generous bound; tests involving time never rely on tight timing. */
public final class Await {

    private static final long POLL_MILLIS = 50;

    private Await() {
    }

    /**
     * Returns the first present value {@code probe} gives within {@code bound}.
     *
     * @param what names the awaited thing in the failure message
     * @throws AssertionError if none came in time
     * @throws InterruptedException if interrupted
     */
    public static <T> T value(String what, Duration bound, Supplier<Optional<T>> probe) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + bound.toSeconds() + " s");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
