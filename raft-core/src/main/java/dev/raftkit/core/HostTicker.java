package dev.raftkit.core;

import dev.raftkit.spi.TaskQueue;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one clock of a host: each tick interval, one timer task queues the tick of every group on
 * that group's driver queue, instead of each group keeping a timer task of its own. Groups are
 * ticked in the order they started (deterministic under a simulator's runtime). A later change can
 * skip quiescent groups here.
 */
final class HostTicker implements AutoCloseable {

    private final TaskQueue queue;
    private final long tickNanos;
    private final List<Ticked> groups = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /**
     * Creates the ticker; {@link #start()} starts it.
     *
     * @param queue the queue the ticker's own task runs on; the ticker closes it
     * @param tickNanos the host's tick interval
     */
    HostTicker(TaskQueue queue, long tickNanos) {
        this.queue = queue;
        this.tickNanos = tickNanos;
    }

    /** Starts ticking. */
    void start() {
        queue.schedule(this::tickAll, tickNanos);
    }

    /** {@return a tick source for one group, ticked by this ticker between its start and stop} */
    TickSource newSource() {
        return new TickSource() {
            private Ticked registration;

            @Override
            public void start(TaskQueue driverQueue, Runnable tick) {
                registration = new Ticked(driverQueue, tick);
                groups.add(registration);
            }

            @Override
            public void ticked() {
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
            group.queue().execute(group.tick());
        }
        queue.schedule(this::tickAll, tickNanos);
    }

    /** One group's driver queue and tick task. */
    private record Ticked(TaskQueue queue, Runnable tick) {
    }
}
