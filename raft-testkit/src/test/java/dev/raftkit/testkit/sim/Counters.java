package dev.raftkit.testkit.sim;

import dev.raftkit.Codec;
import dev.raftkit.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongBiFunction;

/**
 * Named counters as a user would write them, to put through {@link StateMachineSimulation}: a
 * command adds {@code delta} to one counter and returns its new value ({@code delta == 0} reads).
 * {@code seen} is the counter's value as the sending client last saw it, outside the state
 * machine; a correct counter ignores it.
 */
final class Counters implements StateMachine<Counters.Add, Long> {

    /** Adds {@code delta} to {@code counter}. */
    record Add(String counter, long delta, long seen) {

        static final Codec<Add> CODEC = Codec.of(
                a -> (a.counter + "," + a.delta + "," + a.seen).getBytes(StandardCharsets.UTF_8),
                b -> {
                    String[] parts = new String(b, StandardCharsets.UTF_8).split(",");
                    return new Add(parts[0], Long.parseLong(parts[1]), Long.parseLong(parts[2]));
                });

        @Override
        public String toString() {
            return delta == 0 ? "get(" + counter + ")" : "add(" + counter + ", " + delta + ")";
        }
    }

    /** The sequential specification: each counter starts at 0 and is checked on its own. */
    static final class Model implements StateMachineModel<Long, Add, Long> {
        @Override
        public Long initialState() {
            return 0L;
        }

        @Override
        public Result<Long, Long> apply(Long value, Add command) {
            long next = value + command.delta();
            return new Result<>(next, next);
        }

        @Override
        public boolean isRead(Add command) {
            return command.delta() == 0;
        }

        @Override
        public String key(Add command) {
            return command.counter();
        }
    }

    /** How apply computes a counter's new value from its current value and the command. */
    private final ToLongBiFunction<Long, Add> next;
    private final Map<String, Long> values = new TreeMap<>();

    /** A correct counter: the new value is the current one plus delta. */
    Counters() {
        this((current, add) -> current + add.delta());
    }

    Counters(ToLongBiFunction<Long, Add> next) {
        this.next = next;
    }

    @Override
    public Long apply(long index, Add command) {
        long value = next.applyAsLong(values.getOrDefault(command.counter(), 0L), command);
        values.put(command.counter(), value);
        return value;
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(values.size());
        for (Map.Entry<String, Long> e : values.entrySet()) {
            data.writeUTF(e.getKey());
            data.writeLong(e.getValue());
        }
        data.flush();
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        values.clear();
        for (int i = data.readInt(); i > 0; i--) {
            values.put(data.readUTF(), data.readLong());
        }
    }
}
