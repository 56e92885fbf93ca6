package dev.raftkit.core;

import dev.raftkit.spi.TaskQueue;

/**
 * The serial queue a node's driver runs on, as the driver sees it: a {@link TaskQueue} that a
 * transport delivering a message may also be allowed to run ({@link SharedDriverQueue}), and that
 * says whether the task now running may block on the disk.
 */
interface DriverQueue extends TaskQueue {

    /**
     * Queues a step for a message the transport delivers, on the transport's thread; the queue may
     * run it on that thread.
     *
     * @param step the step
     */
    void deliver(Runnable step);

    /**
     * {@return whether the task now running may block on the disk} False while a transport's thread
     * runs the driver's tasks: holding it for an fsync would stop it reading the node's messages.
     */
    boolean mayBlock();

    /**
     * Runs {@code task}, which may block (closing the transport waits for its threads), now if the
     * task now running {@link #mayBlock() may block}, else on the driver's own thread.
     *
     * @param task the task
     */
    void runBlocking(Runnable task);

    /**
     * Adapts a queue whose thread alone runs the driver: that of a host's pool, or of a runtime
     * that controls every thread's timing (the simulator, manual test runtimes).
     *
     * @param queue the queue
     * @return the queue, delivering on its own thread
     */
    static DriverQueue ownThread(TaskQueue queue) {
        return new DriverQueue() {
            @Override
            public void execute(Runnable task) {
                queue.execute(task);
            }

            @Override
            public Cancellable schedule(Runnable task, long delayNanos) {
                return queue.schedule(task, delayNanos);
            }

            @Override
            public boolean inQueue() {
                return queue.inQueue();
            }

            @Override
            public void close() {
                queue.close();
            }

            @Override
            public void deliver(Runnable step) {
                queue.execute(step);
            }

            @Override
            public boolean mayBlock() {
                return true;
            }

            @Override
            public void runBlocking(Runnable task) {
                task.run();
            }
        };
    }
}
