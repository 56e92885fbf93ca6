package dev.raftkit.testkit.sim;

import java.util.PriorityQueue;

/**
 * A single-threaded event loop in virtual time: events run in (time, submission) order, and the
 * clock jumps to each event's time. Everything a simulated cluster does, from the engine's task
 * queues to message deliveries and client calls, is an event here, so a seed replays exactly.
 *
 * <p>Not thread-safe: only the thread running the loop may use it.
 */
public final class VirtualScheduler {

    /** A scheduled event; cancel it to skip it. */
    public static final class Event implements Comparable<Event> {
        private final long time;
        private final long seq;
        private final Runnable action;
        private final Object owner;
        private boolean cancelled;

        private Event(long time, long seq, Runnable action, Object owner) {
            this.time = time;
            this.seq = seq;
            this.action = action;
            this.owner = owner;
        }

        /** Skips the event if it has not run yet. */
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Event o) {
            int byTime = Long.compare(time, o.time);
            return byTime != 0 ? byTime : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long now;
    private long seq;
    private long executed;
    private Object currentOwner;

    /**
     * Returns the virtual time in nanoseconds.
     *
     * @return the virtual time in nanoseconds
     */
    public long now() {
        return now;
    }

    /**
     * Returns how many events have run.
     *
     * @return how many events have run
     */
    public long executed() {
        return executed;
    }

    /**
     * Schedules {@code action} at virtual time {@code time} (not before now).
     *
     * @param time the virtual time, in nanoseconds
     * @param action what to run
     * @param owner who runs it (a task queue), reported by {@link #currentOwner()} while it runs
     * @return the scheduled event
     */
    public Event at(long time, Runnable action, Object owner) {
        Event e = new Event(Math.max(time, now), seq++, action, owner);
        events.add(e);
        return e;
    }

    /**
     * Schedules {@code action} after {@code delayNanos}, owned by nobody.
     *
     * @param delayNanos how long after now, in virtual nanoseconds
     * @param action what to run
     * @return the scheduled event
     */
    public Event after(long delayNanos, Runnable action) {
        return at(now + delayNanos, action, null);
    }

    /** {@return the owner of the event running now, or null} */
    public Object currentOwner() {
        return currentOwner;
    }

    /**
     * Runs events until the next one lies after {@code time}, then sets the clock to {@code time}.
     *
     * @param time the virtual time to run to, in nanoseconds
     * @param afterEach called after every event that ran, e.g. to check invariants
     */
    public void runUntil(long time, Runnable afterEach) {
        while (!events.isEmpty() && events.peek().time <= time) {
            Event e = events.poll();
            if (e.cancelled) {
                continue;
            }
            now = e.time;
            currentOwner = e.owner;
            try {
                e.action.run();
            } finally {
                currentOwner = null;
            }
            executed++;
            afterEach.run();
        }
        now = Math.max(now, time);
    }
}
