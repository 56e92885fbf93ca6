package dev.raftkit.testkit.toxiproxy.server;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code slicer}: splits each chunk into slices of about {@code average_size} bytes (plus or minus
 * {@code size_variation}), sent {@code delay} microseconds apart.
 */
record SlicerToxic(long averageSize, long sizeVariation, long delay) implements Toxic {

    private static SlicerToxic validated(long averageSize, long sizeVariation, long delay) {
        if (averageSize < 1) {
            throw ApiException.badRequestBody("attribute average_size must be at least 1, got " + averageSize);
        }
        if (sizeVariation >= averageSize) {
            throw ApiException.badRequestBody("attribute size_variation must be less than average_size, got "
                    + sizeVariation + " >= " + averageSize);
        }
        return new SlicerToxic(averageSize, sizeVariation, delay);
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("average_size", averageSize);
        m.put("size_variation", sizeVariation);
        m.put("delay", delay);
        return m;
    }

    @Override
    public Toxic with(Map<String, Object> changes) {
        return validated(ToxicAttributes.read(changes, "average_size", averageSize),
                ToxicAttributes.read(changes, "size_variation", sizeVariation),
                ToxicAttributes.read(changes, "delay", delay));
    }

    @Override
    public void data(byte[] data, Object state, Flow flow) throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int off = 0;
        while (off < data.length) {
            long size = averageSize + (sizeVariation > 0 ? random.nextLong(-sizeVariation, sizeVariation + 1) : 0);
            int end = (int) Math.min(data.length, off + size);
            flow.forward(Arrays.copyOfRange(data, off, end));
            off = end;
            if (off < data.length && delay > 0 && !flow.pause(TimeUnit.MICROSECONDS.toNanos(delay))) {
                flow.forward(Arrays.copyOfRange(data, off, data.length));
                return;
            }
        }
    }
}
