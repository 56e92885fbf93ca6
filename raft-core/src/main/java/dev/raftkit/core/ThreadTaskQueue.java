package dev.raftkit.core;

import dev.raftkit.spi.TaskQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A serial queue on its own named daemon thread. Task queues sit on the hot path (every write,
 * message and apply passes through them), so this is a lock-free multi-producer queue drained by
 * its thread, which parks when idle; delayed tasks go through a timer that only hands them to the
 * queue when due.
 */
final class ThreadTaskQueue implements TaskQueue {

    private static final Logger LOG = LoggerFactory.getLogger(ThreadTaskQueue.class);

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;
    private final ScheduledExecutorService timer;
    private final Runnable onClose;
    private volatile boolean parked;

    /**
     * Starts the queue's thread.
     *
     * @param name the thread's name
     * @param timer moves delayed tasks onto this queue when due
     * @param onClose runs once when the queue closes, e.g. to release a shared timer
     */
    ThreadTaskQueue(String name, ScheduledExecutorService timer, Runnable onClose) {
        this.timer = timer;
        this.onClose = onClose;
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
            runLogged(task, thread.getName());
        }
        tasks.clear();
    }

    /**
     * Runs one task of a queue. Submitters catch what they expect; anything else is a bug, logged,
     * not fatal to the queue.
     *
     * @param task the task
     * @param queueName the queue's name, for the log
     */
    static void runLogged(Runnable task, String queueName) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.error("task on {} threw", queueName, e);
        }
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
        return scheduleOn(timer, this, task, delayNanos);
    }

    /**
     * Asks {@code timer} to hand {@code task} to {@code queue} after {@code delayNanos}; a timer
     * that has shut down (its owner closed) schedules nothing.
     */
    static Cancellable scheduleOn(ScheduledExecutorService timer, TaskQueue queue, Runnable task, long delayNanos) {
        try {
            ScheduledFuture<?> f = timer.schedule(() -> queue.execute(task), delayNanos, TimeUnit.NANOSECONDS);
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
            onClose.run();
        }
    }

    /**
     * Waits for the queue's thread to end after {@link #close()}.
     *
     * @param millis the longest wait
     * @return whether the thread ended
     * @throws InterruptedException if interrupted while waiting
     */
    boolean awaitStopped(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }
}
