package dev.raftkit.core;

import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.TaskQueue;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production runtime of a host: every task queue runs on one fixed pool of threads, so the
 * number of threads does not grow with the number of groups, and delayed tasks of every queue go
 * through the host's one timer thread. A queue still runs one task at a time, in order, never on
 * two threads at once: it submits itself to the pool while it has tasks, and runs at most
 * {@link #TASKS_PER_TURN} of them per turn so that busy queues share the pool.
 *
 * <p>Threads, for a host at {@code address}: {@code raftkit-host-<address>-worker-<n>} (the pool),
 * {@code raftkit-host-<address>-timer}, and one {@code raftkit-host-<address>-<name>} per
 * {@link #newThreadQueue} (the host's storage writer, which blocks on syncs and so keeps its own
 * thread). {@link #close} ends them all.
 */
final class PooledRuntime implements RaftRuntime, AutoCloseable {

    /** How many tasks a queue runs before it lets the other queues of the pool have a turn. */
    static final int TASKS_PER_TURN = 64;
    private static final long CLOSE_WAIT_SECONDS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(PooledRuntime.class);

    private final String threadPrefix;
    private final ExecutorService pool;
    private final ScheduledThreadPoolExecutor timer;
    private final List<ThreadTaskQueue> threadQueues = new CopyOnWriteArrayList<>();

    /**
     * Starts the pool and the timer.
     *
     * @param threadPrefix the start of every thread's name, e.g. {@code raftkit-host-10.0.0.1:7000}
     * @param threads the size of the pool, at least 1
     */
    PooledRuntime(String threadPrefix, int threads) {
        this.threadPrefix = threadPrefix;
        AtomicInteger workers = new AtomicInteger();
        ThreadPoolExecutor workerPool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), daemon(() -> threadPrefix + "-worker-" + workers.incrementAndGet()));
        workerPool.prestartAllCoreThreads(); // a fixed count from the start, however few queues are busy
        this.pool = workerPool;
        this.timer = new ScheduledThreadPoolExecutor(1, daemon(() -> threadPrefix + "-timer"));
        timer.setRemoveOnCancelPolicy(true);
        timer.prestartAllCoreThreads();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /** {@return a serial queue on the pool; {@code name} only names it in logs} */
    @Override
    public TaskQueue newTaskQueue(String name) {
        return new PooledQueue(name);
    }

    /**
     * Creates a serial queue on a thread of its own, {@code <prefix>-<name>}, with the host's timer:
     * for work that blocks, such as syncs, which must not hold up a pool thread.
     *
     * @param name the last part of the thread's name
     * @return the queue; the caller closes it
     */
    TaskQueue newThreadQueue(String name) {
        ThreadTaskQueue queue = new ThreadTaskQueue(threadPrefix + "-" + name, timer, () -> { });
        threadQueues.add(queue);
        return queue;
    }

    @Override
    public RandomGenerator newRandom() {
        return new SplittableRandom();
    }

    /**
     * Stops the pool, the timer and every queue of {@link #newThreadQueue}, and waits (boundedly)
     * for their threads to end; pending tasks are dropped. Idempotent.
     */
    @Override
    public void close() {
        pool.shutdownNow();
        timer.shutdownNow();
        threadQueues.forEach(ThreadTaskQueue::close);
        long waitMillis = TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS);
        try {
            boolean ended = pool.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)
                    && timer.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
            for (ThreadTaskQueue queue : threadQueues) {
                ended &= queue.awaitStopped(waitMillis);
            }
            if (!ended) {
                LOG.warn("{}: threads still busy {} s after close", threadPrefix, CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemon(Supplier<String> names) {
        return runnable -> {
            Thread thread = new Thread(runnable, names.get());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** A serial queue whose turns run on the pool. */
    private final class PooledQueue implements TaskQueue {
        private final String name;
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        /** Whether a turn is submitted to the pool or running: only its holder runs tasks. */
        private final AtomicBoolean turnTaken = new AtomicBoolean();
        private volatile boolean closed;
        private volatile Thread runner;

        PooledQueue(String name) {
            this.name = name;
        }

        @Override
        public void execute(Runnable task) {
            if (closed) {
                return;
            }
            tasks.add(task);
            requestTurn();
        }

        private void requestTurn() {
            if (turnTaken.compareAndSet(false, true)) {
                try {
                    pool.execute(this::turn);
                } catch (RejectedExecutionException e) {
                    turnTaken.set(false); // the host is closing: nothing runs any more
                }
            }
        }

        private void turn() {
            runner = Thread.currentThread();
            try {
                for (int i = 0; i < TASKS_PER_TURN && !closed; i++) {
                    Runnable task = tasks.poll();
                    if (task == null) {
                        break;
                    }
                    ThreadTaskQueue.runLogged(task, name);
                }
            } finally {
                runner = null;
                turnTaken.set(false);
            }
            if (closed) {
                tasks.clear();
            } else if (!tasks.isEmpty()) {
                requestTurn();
            }
        }

        @Override
        public Cancellable schedule(Runnable task, long delayNanos) {
            if (closed) {
                return () -> { };
            }
            return ThreadTaskQueue.scheduleOn(timer, this, task, delayNanos);
        }

        @Override
        public boolean inQueue() {
            return runner == Thread.currentThread();
        }

        @Override
        public void close() {
            closed = true;
            tasks.clear();
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
