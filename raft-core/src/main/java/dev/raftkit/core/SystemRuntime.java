package dev.raftkit.core;

import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.TaskQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production runtime: the system's monotonic clock, one daemon thread per task queue, and
 * unseeded randomness.
 *
 * <p>Task queues sit on the hot path (every write, message and apply passes through them), so a
 * queue is a lock-free multi-producer queue drained by its own thread, which parks when idle;
 * delayed tasks go through one shared timer thread that hands them to their queue when due.
 */
public final class SystemRuntime implements RaftRuntime {

    /** The shared instance. */
    public static final SystemRuntime INSTANCE = new SystemRuntime();

    private static final Logger LOG = LoggerFactory.getLogger(SystemRuntime.class);

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

    /** A serial queue on its own named daemon thread. */
    private static final class ThreadTaskQueue implements TaskQueue {
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final Thread thread;
        private final ScheduledThreadPoolExecutor timer = Timer.acquire();
        private volatile boolean parked;

        ThreadTaskQueue(String name) {
            thread = new Thread(this::loop, name);
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (!closed.get()) {
                Runnable task = tasks.poll();
                if (task == null) {
                    parked = true;
                    if (tasks.isEmpty() && !closed.get()) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    continue;
                }
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    // Submitters catch what they expect; anything else is a bug, logged, not fatal here.
                    LOG.error("task on {} threw", thread.getName(), e);
                }
            }
            tasks.clear();
        }

        @Override
        public void execute(Runnable task) {
            if (closed.get()) {
                return;
            }
            tasks.add(task);
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        @Override
        public Cancellable schedule(Runnable task, long delayNanos) {
            if (closed.get()) {
                return () -> { };
            }
            try {
                ScheduledFuture<?> f = timer.schedule(() -> execute(task), delayNanos, TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            } catch (RejectedExecutionException e) {
                return () -> { };
            }
        }

        @Override
        public boolean inQueue() {
            return Thread.currentThread() == thread;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                LockSupport.unpark(thread);
                Timer.release();
            }
        }
    }
}
