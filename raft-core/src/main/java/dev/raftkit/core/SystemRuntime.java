package dev.raftkit.core;

import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.TaskQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.random.RandomGenerator;

/**
 * The production runtime: the system's monotonic clock, one daemon thread per task queue, and
 * unseeded randomness.
 *
 * <p>Each queue is a {@link ThreadTaskQueue}; delayed tasks of every queue go through one shared
 * timer thread that hands them to their queue when due.
 */
public final class SystemRuntime implements RaftRuntime {

    /** The shared instance. */
    public static final SystemRuntime INSTANCE = new SystemRuntime();

    private SystemRuntime() {
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public TaskQueue newTaskQueue(String name) {
        return new ThreadTaskQueue(name, Timer.acquire(), Timer::release);
    }

    @Override
    public RandomGenerator newRandom() {
        return new SplittableRandom();
    }

    /**
     * The timer shared by every open queue: it only moves due tasks onto their queue. It runs while
     * at least one queue is open, so closing every node leaves no thread behind.
     */
    private static final class Timer {
        private static ScheduledThreadPoolExecutor executor;
        private static int users;

        static synchronized ScheduledThreadPoolExecutor acquire() {
            if (users++ == 0) {
                executor = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "raftkit-timer");
                    t.setDaemon(true);
                    return t;
                });
                executor.setRemoveOnCancelPolicy(true);
            }
            return executor;
        }

        static synchronized void release() {
            if (--users == 0) {
                executor.shutdownNow();
                executor = null;
            }
        }
    }
}
