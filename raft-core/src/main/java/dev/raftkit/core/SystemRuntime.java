package dev.raftkit.core;

import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.TaskQueue;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The production runtime: the system's monotonic clock, one daemon thread per task queue, and
 * unseeded randomness.
 */
public final class SystemRuntime implements RaftRuntime {

    /** The shared instance; it holds no state. */
    public static final SystemRuntime INSTANCE = new SystemRuntime();

    private SystemRuntime() {
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public TaskQueue newTaskQueue(String name) {
        return new ThreadTaskQueue(name);
    }

    @Override
    public RandomGenerator newRandom() {
        return new SplittableRandom();
    }

    /** A task queue on its own named daemon thread. */
    private static final class ThreadTaskQueue implements TaskQueue {
        private final ScheduledThreadPoolExecutor executor;
        private volatile Thread thread;

        ThreadTaskQueue(String name) {
            executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                thread = t;
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
            executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        }

        @Override
        public void execute(Runnable task) {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException closed) {
                // Closed: tasks submitted afterwards are ignored, as the TaskQueue contract says.
            }
        }

        @Override
        public Cancellable schedule(Runnable task, long delayNanos) {
            try {
                ScheduledFuture<?> f = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            } catch (RejectedExecutionException closed) {
                return () -> {
                };
            }
        }

        @Override
        public boolean inQueue() {
            return Thread.currentThread() == thread;
        }

        @Override
        public void close() {
            // Discard what has not started; let a running task (perhaps an fsync) finish uninterrupted.
            executor.getQueue().clear();
            executor.shutdown();
        }
    }
}
