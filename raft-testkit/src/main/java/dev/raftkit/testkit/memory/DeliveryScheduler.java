package dev.raftkit.testkit.memory;

/**
 * Runs the deliveries of a {@link MemoryNetwork} after their delay.
 *
 * <p>A deterministic simulator implements it on its single-threaded virtual-time loop, so every
 * delivery happens at a reproducible point of virtual time; {@link MemoryNetwork#shared()} uses a
 * daemon thread and real time. Deliveries scheduled with the same delay must run in the order they
 * were scheduled, which is what keeps each link first-in first-out when no delay range is set.
 */
@FunctionalInterface
public interface DeliveryScheduler {

    /**
     * Arranges for {@code delivery} to run once, {@code delayNanos} from now. Must not run it on the
     * calling thread before returning, because the network calls this while holding its lock.
     *
     * @param delivery the delivery to run
     * @param delayNanos how long to wait, 0 or more nanoseconds
     */
    void schedule(Runnable delivery, long delayNanos);
}
