package dev.raftkit.core;

import dev.raftkit.spi.TaskQueue;

/**
 * Queues work on the driver thread as a step of the core: skipped once the node stopped, stopping
 * the node if it throws, and followed by carrying out what the core produced. The driver's helpers
 * queue their own work through it.
 */
interface DriverSteps {

    /** Runs {@code step} on the driver thread as soon as the work queued before it has run. */
    void run(Runnable step);

    /**
     * Runs {@code step} on the driver thread once {@code delayNanos} have passed on the runtime's
     * clock.
     *
     * @return a handle that cancels the step if it has not started
     */
    TaskQueue.Cancellable after(long delayNanos, Runnable step);
}
