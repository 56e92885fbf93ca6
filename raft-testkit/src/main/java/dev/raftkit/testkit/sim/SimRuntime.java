package dev.raftkit.testkit.sim;

import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.TaskQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The runtime of one incarnation of a simulated node, or of a simulated host and all its groups:
 * virtual time from a {@link VirtualScheduler} and seeded randomness. Its clock runs at its own
 * rate ({@code clockRate} local nanoseconds per virtual one): both {@link #nanoTime()} and the
 * delays of {@link TaskQueue#schedule} (the ticks) follow it, as a real node's clock drives both;
 * service times are real durations. Each task queue runs its tasks one at a time with a random
 * service time, so queues interleave differently per seed; the storage queue's service time (a
 * node's, or the one a host's groups share) models fsync latency. {@link #kill()} is a crash:
 * every task not yet run is lost, which loses exactly the persists that had not completed.
 */
final class SimRuntime implements RaftRuntime {

    /** Service time ranges, in nanoseconds. */
    record Latencies(long taskMin, long taskMax, long storageMin, long storageMax) {
    }

    private final VirtualScheduler scheduler;
    private final SplittableRandom random;
    private final Latencies latencies;
    private final double clockRate;
    private final List<SimTaskQueue> queues = new ArrayList<>();
    private boolean killed;

    /**
     * @param clockRate how fast this node's clock runs against virtual time, e.g. 1.02 for 2 % fast
     */
    SimRuntime(VirtualScheduler scheduler, long seed, Latencies latencies, double clockRate) {
        if (!(clockRate > 0)) {
            throw new IllegalArgumentException("clockRate must be positive, was " + clockRate);
        }
        this.scheduler = scheduler;
        this.random = new SplittableRandom(seed);
        this.latencies = latencies;
        this.clockRate = clockRate;
    }

    /**
     * Creates the runtime of one incarnation with a clock rate drawn in {@code [1 - clockDrift,
     * 1 + clockDrift]} and a seed, both from {@code random}.
     *
     * @param clockDrift how far the clock rate may differ from 1, 0 for a perfect clock
     */
    static SimRuntime drawn(VirtualScheduler scheduler, SplittableRandom random, Latencies latencies,
            double clockDrift) {
        double clockRate = clockDrift == 0 ? 1 : 1 + clockDrift * (2 * random.nextDouble() - 1);
        return new SimRuntime(scheduler, random.nextLong(), latencies, clockRate);
    }

    /** {@return how fast this node's clock runs against virtual time} */
    double clockRate() {
        return clockRate;
    }

    @Override
    public long nanoTime() {
        return (long) (scheduler.now() * clockRate);
    }

    @Override
    public TaskQueue newTaskQueue(String name) {
        // A node's storage writer is raft-storage-<id>; a host's, shared by its groups, ends in -storage.
        boolean storage = name.startsWith("raft-storage") || name.endsWith("-storage");
        SimTaskQueue queue = new SimTaskQueue(storage ? latencies.storageMin : latencies.taskMin,
                storage ? latencies.storageMax : latencies.taskMax);
        queues.add(queue);
        return queue;
    }

    @Override
    public RandomGenerator newRandom() {
        return random.split();
    }

    /** Crashes the incarnation: no task of it runs any more. */
    void kill() {
        killed = true;
        queues.forEach(SimTaskQueue::close);
    }

    /** A serial queue on the virtual scheduler. */
    private final class SimTaskQueue implements TaskQueue {
        private final long minService;
        private final long maxService;
        /** Virtual time at which the last queued task runs; keeps tasks in order. */
        private long busyUntil;
        private boolean closed;

        SimTaskQueue(long minService, long maxService) {
            this.minService = minService;
            this.maxService = maxService;
        }

        @Override
        public void execute(Runnable task) {
            if (closed) {
                return;
            }
            long service = minService == maxService ? minService : random.nextLong(minService, maxService + 1);
            busyUntil = Math.max(busyUntil, scheduler.now()) + service;
            scheduler.at(busyUntil, () -> runTask(task), this);
        }

        @Override
        public Cancellable schedule(Runnable task, long delayNanos) {
            if (closed) {
                return () -> { };
            }
            long virtualDelay = (long) Math.ceil(delayNanos / clockRate); // a delay on this node's clock
            VirtualScheduler.Event event = scheduler.at(scheduler.now() + virtualDelay, () -> runTask(task), this);
            return event::cancel;
        }

        private void runTask(Runnable task) {
            if (!closed && !killed) {
                task.run();
            }
        }

        @Override
        public boolean inQueue() {
            return scheduler.currentOwner() == this;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
