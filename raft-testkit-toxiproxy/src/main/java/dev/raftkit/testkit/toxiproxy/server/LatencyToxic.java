package dev.raftkit.testkit.toxiproxy.server;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** {@code latency}: delays each chunk by {@code latency} ms, plus or minus up to {@code jitter} ms. */
record LatencyToxic(long latency, long jitter) implements Toxic {

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("latency", latency);
        m.put("jitter", jitter);
        return m;
    }

    @Override
    public Toxic with(Map<String, Object> changes) {
        return new LatencyToxic(ToxicAttributes.read(changes, "latency", latency),
                ToxicAttributes.read(changes, "jitter", jitter));
    }

    @Override
    public void data(byte[] data, Object state, Flow flow) throws IOException {
        long delay = latency;
        if (jitter > 0) {
            delay += ThreadLocalRandom.current().nextLong(-jitter, jitter + 1);
        }
        if (delay > 0) {
            flow.pause(TimeUnit.MILLISECONDS.toNanos(delay));
        }
        flow.forward(data);
    }
}
