package dev.raftkit.testkit.toxiproxy.server;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code slow_close}: when the source closes, waits {@code delay} ms before closing the destination. */
record SlowCloseToxic(long delay) implements Toxic {

    @Override
    public Map<String, Object> attributes() {
        return Map.of("delay", delay);
    }

    @Override
    public Toxic with(Map<String, Object> changes) {
        return new SlowCloseToxic(ToxicAttributes.read(changes, "delay", delay));
    }

    @Override
    public void data(byte[] data, Object state, Flow flow) throws IOException {
        flow.forward(data);
    }

    @Override
    public void end(Object state, Flow flow) throws IOException {
        flow.pause(TimeUnit.MILLISECONDS.toNanos(delay));
        flow.end();
    }
}
