package dev.raftkit.spi;

import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in submission order (delayed tasks when their time comes), each to
 * completion before the next: the engine's unit of execution (its driver, applier and storage
 * writer each own one). Obtained from {@link RaftRuntime#newTaskQueue}.
 *
 * <p>{@link #execute} and {@link #schedule} may be called from any thread and never block. A task
 * that throws is a bug of its submitter, who must catch what it expects.
 */
public interface TaskQueue extends Executor {

    /**
     * Queues {@code task} to run as soon as the tasks before it have run. Ignored after
     * {@link #close()}.
     *
     * @param task the task
     */
    @Override
    void execute(Runnable task);

    /**
     * Queues {@code task} to run once {@code delayNanos} have passed on the runtime's clock.
     *
     * @param task the task
     * @param delayNanos the delay, 0 or more
     * @return a handle that cancels the task if it has not started
     */
    Cancellable schedule(Runnable task, long delayNanos);

    /** {@return whether the calling thread is this queue's own, i.e. the caller runs inside a task} */
    boolean inQueue();

    /**
     * Stops the queue: tasks not yet started are discarded, a running task finishes, and the
     * queue's thread ends. Idempotent.
     */
    void close();

    /** A handle to cancel one scheduled task. */
    @FunctionalInterface
    interface Cancellable {
        /** Cancels the task if it has not started; does nothing otherwise. */
        void cancel();
    }
}
