package dev.raftkit.testkit.toxiproxy.server;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code reset_peer}: when data arrives, waits {@code timeout} ms, then resets the connection (TCP
 * RST to both peers, "connection reset by peer"). The data itself is dropped.
 */
record ResetPeerToxic(long timeout) implements Toxic {

    @Override
    public Map<String, Object> attributes() {
        return Map.of("timeout", timeout);
    }

    @Override
    public Toxic with(Map<String, Object> changes) {
        return new ResetPeerToxic(ToxicAttributes.read(changes, "timeout", timeout));
    }

    @Override
    public void data(byte[] data, Object state, Flow flow) {
        if (timeout > 0) {
            flow.pause(TimeUnit.MILLISECONDS.toNanos(timeout));
        }
        flow.resetLink();
    }
}
