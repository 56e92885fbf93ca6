package dev.raftkit.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Waiting helpers for real-time cluster tests. Every wait is bounded by a generous timeout: a test
 * fails when a condition does not hold in that time, never because something was a bit slow.
 */
final class Await {

    /** How long any single wait may take before the test fails. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 5;

    private Await() {
    }

    /**
     * Polls {@code condition} until it holds.
     *
     * @param what the condition, for the failure message
     * @param condition checked every few milliseconds
     * @throws AssertionError if it does not hold within {@link #TIMEOUT}
     */
    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting until " + what);
            }
            sleep(POLL_MILLIS);
        }
    }

    /** Returns the value of {@code future}, failing the test if it fails or takes too long. */
    static <T> T value(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("expected a value, but the future failed with " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no value within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Waits for {@code future} to complete either way.
     *
     * @return null if it succeeded, else what it failed with
     * @throws AssertionError if it does not complete within {@link #TIMEOUT}
     */
    static Throwable outcome(CompletableFuture<?> future) {
        try {
            future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("not complete within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Returns the exception {@code future} fails with, checking its type.
     *
     * @param future a future expected to fail
     * @param type the expected exception type
     * @return the exception, for further checks
     */
    static <E extends Throwable> E failure(CompletableFuture<?> future, Class<E> type) {
        try {
            Object value = future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected " + type.getSimpleName() + ", but the future succeeded with " + value);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(type);
            return type.cast(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("expected " + type.getSimpleName() + " within " + TIMEOUT + ", still pending", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Sleeps, keeping the interrupt flag. */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
