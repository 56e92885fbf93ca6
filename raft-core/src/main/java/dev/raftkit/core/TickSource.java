package dev.raftkit.core;

import dev.raftkit.spi.TaskQueue;

/**
 * Where a node's ticks come from: its own driver queue's timer ({@link #ownTimer}, a single node),
 * or its host's one ticker ({@link HostTicker}), which ticks every group of the host at once.
 * Every method runs on the node's driver thread.
 */
interface TickSource {

    /**
     * Starts ticking: from now on {@code tick}, a driver task, runs on {@code queue} once per tick.
     *
     * @param queue the driver queue
     * @param tick the driver's tick task, which calls {@link #ticked()}
     */
    void start(TaskQueue queue, Runnable tick);

    /** Called by each tick as its last step: a source that reschedules itself does it here. */
    void ticked();

    /** Stops ticking; the node halted. */
    void stop();

    /**
     * Tells the source whether the node's core is quiescent ({@code RaftCore.quiescent()}), after
     * every driver step that may have changed it: a quiescent core's tick does nothing, so a
     * source may stop queueing it until the core wakes. Only groups of a host quiesce.
     *
     * @param quiescent whether the core is quiescent now
     */
    void quiescent(boolean quiescent);

    /**
     * A source that schedules each tick on the driver queue itself, one tick after the previous
     * one ran; the driver's task skips it once the node stopped, which ends the chain.
     *
     * @param tickNanos the tick interval
     * @return the source, for one node
     */
    static TickSource ownTimer(long tickNanos) {
        return new TickSource() {
            private TaskQueue queue;
            private Runnable tick;

            @Override
            public void start(TaskQueue driverQueue, Runnable tickTask) {
                this.queue = driverQueue;
                this.tick = tickTask;
                ticked();
            }

            @Override
            public void ticked() {
                queue.schedule(tick, tickNanos);
            }

            @Override
            public void stop() {
            }

            @Override
            public void quiescent(boolean quiescent) {
                // A single node never quiesces (CoreOptions.quiesce() is false): it keeps ticking.
            }
        };
    }
}
