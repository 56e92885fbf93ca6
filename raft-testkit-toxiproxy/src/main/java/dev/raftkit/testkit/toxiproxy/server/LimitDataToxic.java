package dev.raftkit.testkit.toxiproxy.server;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/** {@code limit_data}: passes the first {@code bytes} bytes of the connection, then closes it. */
record LimitDataToxic(long bytes) implements Toxic {

    @Override
    public Map<String, Object> attributes() {
        return Map.of("bytes", bytes);
    }

    @Override
    public Toxic with(Map<String, Object> changes) {
        return new LimitDataToxic(ToxicAttributes.read(changes, "bytes", bytes));
    }

    /** Bytes passed so far on one link; kept across updates of the toxic. */
    private static final class Count {
        long passed;
    }

    @Override
    public Object newState() {
        return new Count();
    }

    @Override
    public void data(byte[] data, Object state, Flow flow) throws IOException {
        Count count = (Count) state;
        long remaining = Math.max(0, bytes - count.passed);
        byte[] out = remaining < data.length ? Arrays.copyOf(data, (int) remaining) : data;
        if (out.length > 0) {
            flow.forward(out);
            count.passed += out.length;
        }
        if (count.passed >= bytes) {
            flow.closeLink();
        }
    }
}
