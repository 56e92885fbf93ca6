package dev.raftkit.examples;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Waits for something the example's clusters do on their own, such as electing a leader. */
public final class Eventually {

    private static final long TIMEOUT_SECONDS = 30;
    private static final long POLL_MILLIS = 10;

    private Eventually() {
    }

    /**
     * Polls {@code probe} until it finds something, for at most 30 s.
     *
     * @param what what is awaited, for the failure message
     * @param probe looks once; empty if not yet
     * @param <T> what it finds
     * @return what the probe found
     * @throws AssertionError if it found nothing within 30 s
     */
    public static <T> T find(String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            Optional<T> found = probe.get();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + " did not happen within " + TIMEOUT_SECONDS + " s");
            }
            try {
                Thread.sleep(POLL_MILLIS); // polling: there is no event to wait on here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
