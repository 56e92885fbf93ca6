package dev.raftkit.core;

import dev.raftkit.spi.TaskQueue;
import dev.raftkit.spi.Transport;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A single node's driver queue that a transport thread delivering a message may run itself: if no
 * other thread is running the driver's tasks, {@link #deliver} runs them on the calling thread
 * instead of waking the driver thread. A wake-up costs tens of microseconds on a virtual machine,
 * and every message of the commit path used to pay one at each end (the transport hands the
 * message over; the driver's reply is handed back to the transport's event loop, which now sends it
 * from the same thread). Tasks still run one at a time and in order: whoever runs them holds the
 * queue, and a thread is only woken for tasks queued while nobody holds it.
 *
 * <p>Tasks queued while nobody holds the queue (client calls, ticks, the reports of the storage
 * and apply threads) are run by the transport's {@link Transport#sendingThread() sending thread}
 * when it has one, so the messages they send leave from that thread without another wake-up, and
 * otherwise (or once it refuses them, as it closes) by the driver thread. Those callers never run
 * the driver themselves: they must not be held up by its work, and a state machine that writes
 * from its own apply thread must never run the driver there. A transport's thread never blocks on
 * the disk for the driver ({@link #mayBlock}).
 */
final class SharedDriverQueue implements DriverQueue {

    /** At most this many tasks run on a transport thread per message, which then goes back to its own work. */
    static final int MAX_TASKS_HERE = 64;

    private final TaskQueue thread;
    /** The transport's sending thread, or empty: the driver thread runs the tasks nobody holds the queue for. */
    private final Optional<Executor> sendingThread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Whether some thread is running tasks; that thread finds every task queued meanwhile. */
    private final AtomicBoolean held = new AtomicBoolean();
    private final AtomicBoolean threadWoken = new AtomicBoolean();
    /** The thread running tasks now, or null. */
    private volatile Thread runner;
    private volatile boolean closed;

    /**
     * @param thread the driver thread, which runs the tasks nobody else runs, and those that may block
     * @param sendingThread the transport's {@link Transport#sendingThread()}
     */
    SharedDriverQueue(TaskQueue thread, Optional<Executor> sendingThread) {
        this.thread = thread;
        this.sendingThread = sendingThread;
    }

    /** Queues {@code task} for the driver thread, unless a thread already running tasks will take it. */
    @Override
    public void execute(Runnable task) {
        if (closed) {
            return;
        }
        tasks.add(task);
        if (!held.get()) {
            wakeThread();
        }
    }

    /**
     * Queues {@code step} and, if nobody runs the driver's tasks now, runs the queued tasks on the
     * calling thread, at most {@link #MAX_TASKS_HERE}; the sending or driver thread takes any left.
     */
    @Override
    public void deliver(Runnable step) {
        if (closed) {
            return;
        }
        tasks.add(step);
        runSomeHere();
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        return thread.schedule(() -> execute(task), delayNanos);
    }

    @Override
    public boolean inQueue() {
        return Thread.currentThread() == runner;
    }

    @Override
    public boolean mayBlock() {
        return thread.inQueue();
    }

    /** Runs {@code task} here on the driver thread; from a transport's thread, hands it to the driver thread. */
    @Override
    public void runBlocking(Runnable task) {
        if (mayBlock()) {
            task.run();
        } else {
            thread.execute(task);
        }
    }

    @Override
    public void close() {
        closed = true;
        tasks.clear();
        thread.close();
    }

    /** Has the sending thread, or else the driver thread, run the queued tasks, unless one is already due to. */
    private void wakeThread() {
        if (!threadWoken.compareAndSet(false, true)) {
            return;
        }
        if (sendingThread.isPresent()) {
            try {
                sendingThread.get().execute(() -> {
                    threadWoken.set(false);
                    runSomeHere();
                });
                return;
            } catch (RejectedExecutionException e) {
                // not started yet, or closing: the driver thread runs them
            }
        }
        thread.execute(() -> {
            threadWoken.set(false);
            runQueued(Integer.MAX_VALUE);
        });
    }

    /**
     * Runs at most {@link #MAX_TASKS_HERE} queued tasks on this transport thread, which has work of
     * its own, and wakes a thread for any left that nobody is running.
     */
    private void runSomeHere() {
        runQueued(MAX_TASKS_HERE);
        if (!tasks.isEmpty() && !held.get()) {
            wakeThread();
        }
    }

    /**
     * Runs the queued tasks if no other thread does. After letting go it looks again: a task queued
     * just before the release, whose submitter saw the queue held, would otherwise wait for nobody.
     */
    private void runQueued(int maxTasks) {
        int run = 0;
        while (run < maxTasks && !tasks.isEmpty() && held.compareAndSet(false, true)) {
            runner = Thread.currentThread();
            try {
                for (Runnable task = tasks.poll(); task != null; task = run < maxTasks ? tasks.poll() : null) {
                    ThreadTaskQueue.runLogged(task, "the driver");
                    run++;
                }
            } finally {
                runner = null;
                held.set(false);
            }
        }
    }
}
