package dev.raftkit.core;

import dev.raftkit.spi.TaskQueue;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one clock of a host: each tick interval, one timer task queues the tick of every group on
 * that group's driver queue, instead of each group keeping a timer task of its own, and then ticks
 * the host's own periodic work ({@link HostLiveness}). Groups are ticked in the order they started
 * (deterministic under a simulator's runtime). A quiescent group ({@link TickSource#quiescent}) is
 * skipped: an idle group costs the ticker one field read per tick and its driver nothing.
 */
final class HostTicker implements AutoCloseable {

    private final TaskQueue queue;
    private final long tickNanos;
    private final Runnable hostTick;
    private final List<Ticked> groups = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /**
     * Creates the ticker; {@link #start()} starts it.
     *
     * @param queue the queue the ticker's own task runs on; the ticker closes it
     * @param tickNanos the host's tick interval
     * @param hostTick the host's own work of each tick, run on {@code queue} after the groups' ticks are queued
     */
    HostTicker(TaskQueue queue, long tickNanos, Runnable hostTick) {
        this.queue = queue;
        this.tickNanos = tickNanos;
        this.hostTick = hostTick;
    }

    /** Starts ticking. */
    void start() {
        queue.schedule(this::tickAll, tickNanos);
    }

    /** {@return a tick source for one group, ticked by this ticker between its start and stop} */
    TickSource newSource() {
        return new TickSource() {
            private final Ticked registration = new Ticked();

            @Override
            public void start(TaskQueue driverQueue, Runnable tick) {
                registration.queue = driverQueue;
                registration.tick = tick;
                groups.add(registration);
            }

            @Override
            public void ticked() {
            }

            @Override
            public void quiescent(boolean quiescent) {
                registration.quiescent = quiescent;
            }

            @Override
            public void stop() {
                groups.remove(registration);
            }
        };
    }

    /** Stops ticking. Idempotent. */
    @Override
    public void close() {
        closed = true;
        queue.close();
    }

    private void tickAll() {
        if (closed) {
            return;
        }
        for (Ticked group : groups) {
            if (!group.quiescent) {
                group.queue.execute(group.tick);
            }
        }
        hostTick.run();
        queue.schedule(this::tickAll, tickNanos);
    }

    /** One group's driver queue and tick task, and whether its core is quiescent. */
    private static final class Ticked {
        /** Set by {@link TickSource#start}, before the group is added to {@link #groups}. */
        TaskQueue queue;
        Runnable tick;
        /** Written by the group's driver thread (also before its start), read by the ticker's. */
        volatile boolean quiescent;
    }
}
