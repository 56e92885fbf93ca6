package dev.raftkit.testkit.toxiproxy.server;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bandwidth}: passes data at most at {@code rate} KB/s (1 KB = 1000 bytes, as Toxiproxy
 * counts), sending large chunks in pieces of 100 ms worth of data. A rate of 0 passes data unlimited.
 */
record BandwidthToxic(long rate) implements Toxic {

    private static final long PIECE_MILLIS = 100;

    @Override
    public Map<String, Object> attributes() {
        return Map.of("rate", rate);
    }

    @Override
    public Toxic with(Map<String, Object> changes) {
        return new BandwidthToxic(ToxicAttributes.read(changes, "rate", rate));
    }

    /** Per-link pacing: the time by which everything sent so far is due. */
    private static final class Pace {
        long dueNanos = System.nanoTime();
    }

    @Override
    public Object newState() {
        return new Pace();
    }

    @Override
    public void data(byte[] data, Object state, Flow flow) throws IOException {
        if (rate <= 0) {
            flow.forward(data);
            return;
        }
        Pace pace = (Pace) state;
        long now = System.nanoTime();
        if (pace.dueNanos < now) {
            pace.dueNanos = now;
        }
        int pieceBytes = (int) Math.min(Integer.MAX_VALUE, Math.max(1, rate * PIECE_MILLIS));
        for (int off = 0; off < data.length; off += pieceBytes) {
            int len = Math.min(pieceBytes, data.length - off);
            // rate KB/s = rate bytes per millisecond
            pace.dueNanos += TimeUnit.MILLISECONDS.toNanos(1) * len / rate;
            long wait = pace.dueNanos - System.nanoTime();
            if (wait > 0 && !flow.pause(wait)) {
                flow.forward(Arrays.copyOfRange(data, off, data.length));
                return;
            }
            flow.forward(off == 0 && len == data.length ? data : Arrays.copyOfRange(data, off, off + len));
        }
    }
}
