package dev.raftkit.core;

import dev.raftkit.spi.TaskQueue;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * The one clock of a host: each tick interval, one timer task queues the tick of every group on
 * that group's driver queue, instead of each group keeping a timer task of its own, and then ticks
 * the host's own periodic work ({@link HostLiveness}). Groups are ticked in the order they started
 * (deterministic under a simulator's runtime). A quiescent group ({@link TickSource#quiescent}) is
 * skipped: an idle group costs the ticker one field read per tick and its driver nothing.
 *
 * <p>While every group is quiescent the ticker runs only every {@link #IDLE_STRIDE} ticks, handing
 * the host's work the ticks that passed: each run wakes the timer and a worker thread, which is most
 * of what an idle host costs. A group that wakes in between (a message, a write) gets its next tick
 * up to a stride late, so its timers run slow once, never fast: an election timeout or a
 * check-quorum window can only last longer in real time, which no safety rule forbids (the read
 * lease is measured on the clock, and followers' stickiness lasting longer only helps it).
 */
final class HostTicker implements AutoCloseable {

    private final TaskQueue queue;
    private final long tickNanos;
    /** The ticks between two runs while every group is quiescent. */
    static final int IDLE_STRIDE = 10;

    private final IntConsumer hostTick;
    private final List<Ticked> groups = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /**
     * Creates the ticker; {@link #start()} starts it.
     *
     * @param queue the queue the ticker's own task runs on; the ticker closes it
     * @param tickNanos the host's tick interval
     * @param hostTick the host's own work, run on {@code queue} after the groups' ticks are queued,
     *     with the number of ticks since its last run
     */
    HostTicker(TaskQueue queue, long tickNanos, IntConsumer hostTick) {
        this.queue = queue;
        this.tickNanos = tickNanos;
        this.hostTick = hostTick;
    }

    /** Starts ticking. */
    void start() {
        schedule(1);
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

    /** Runs the ticks of {@code elapsed} tick intervals: one tick of each awake group, then the host's work. */
    private void tickAll(int elapsed) {
        if (closed) {
            return;
        }
        boolean awake = false;
        for (Ticked group : groups) {
            if (!group.quiescent) {
                awake = true;
                group.queue.execute(group.tick);
            }
        }
        hostTick.accept(elapsed);
        schedule(awake ? 1 : IDLE_STRIDE);
    }

    private void schedule(int ticks) {
        queue.schedule(() -> tickAll(ticks), ticks * tickNanos);
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
