package dev.raftkit.testkit.toxiproxy.server;

import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code timeout}: lets no data through and closes the connection {@code timeout} ms after the toxic
 * started acting on it; with 0 the connection is held open forever. As in Toxiproxy, removing the
 * toxic closes the connections it was holding (their data was dropped, so they are unusable).
 */
record TimeoutToxic(long timeout, ScheduledExecutorService timers) implements Toxic {

    @Override
    public Map<String, Object> attributes() {
        return Map.of("timeout", timeout);
    }

    @Override
    public Toxic with(Map<String, Object> changes) {
        return new TimeoutToxic(ToxicAttributes.read(changes, "timeout", timeout), timers);
    }

    /** Per-link timer that closes the connection. */
    private static final class Timer {
        volatile ScheduledFuture<?> task;
    }

    @Override
    public Object newState() {
        return new Timer();
    }

    @Override
    public void started(Object state, Flow flow) {
        if (timeout > 0) {
            ((Timer) state).task = timers.schedule(flow::closeLink, timeout, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void stopped(Object state) {
        ScheduledFuture<?> task = ((Timer) state).task;
        if (task != null) {
            task.cancel(false);
        }
    }

    @Override
    public void removed(Object state, Flow flow) {
        flow.closeLink();
    }

    @Override
    public void data(byte[] data, Object state, Flow flow) {
        // Dropped: nothing passes a timeout toxic.
    }
}
