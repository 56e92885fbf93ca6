package dev.raftkit.spi;

import java.util.random.RandomGenerator;

/**
 * Where a node's time, execution and randomness come from. Production uses real threads and the
 * system clock; the test kit's simulator supplies a runtime that runs a whole cluster on one thread
 * in virtual time from a seed, so the same engine code replays a failing run exactly.
 *
 * <p>An engine reads no clock, starts no thread and draws no random number except through its
 * runtime.
 */
public interface RaftRuntime {

    /** {@return a monotonic time in nanoseconds, like {@link System#nanoTime()}} */
    long nanoTime();

    /**
     * Creates a serial task queue.
     *
     * @param name names the queue's thread, e.g. {@code raft-driver-n1}
     * @return the queue; the caller closes it
     */
    TaskQueue newTaskQueue(String name);

    /**
     * Returns a new random generator for one user thread (generators need not be thread-safe).
     *
     * @return the generator; seeded from the runtime's seed where the runtime is deterministic
     */
    RandomGenerator newRandom();
}
