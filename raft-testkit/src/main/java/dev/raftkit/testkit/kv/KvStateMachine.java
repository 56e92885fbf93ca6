package dev.raftkit.testkit.kv;

import dev.raftkit.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A small replicated key-value store used by the simulator, the integration tests and examples.
 * {@code apply} answers {@code "OK"} for put and delete, and {@code "true"}/{@code "false"} for
 * compare-and-set. Read with {@link #get} inside {@code readLinearizable}/{@code readLocal}.
 *
 * <p>Not thread-safe, as the state machine contract allows: only the apply thread touches it.
 */
public final class KvStateMachine implements StateMachine<KvCommand, String> {

    private final Map<String, String> data = new TreeMap<>();

    @Override
    public String apply(long index, KvCommand command) {
        switch (command.kind()) {
            case PUT -> {
                data.put(command.key(), command.value());
                return "OK";
            }
            case DELETE -> {
                data.remove(command.key());
                return "OK";
            }
            case CAS -> {
                boolean matches = command.expected().equals(data.get(command.key()));
                if (matches) {
                    data.put(command.key(), command.value());
                }
                return Boolean.toString(matches);
            }
            default -> throw new IllegalStateException("unknown command kind " + command.kind());
        }
    }

    /**
     * {@return the value at {@code key}; call only from a read query}
     *
     * @param key the key
     */
    public Optional<String> get(String key) {
        return Optional.ofNullable(data.get(key));
    }

    /** {@return a copy of the whole store; call only from a read query} */
    public Map<String, String> snapshotOfData() {
        return new TreeMap<>(data);
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(data.size());
        for (Map.Entry<String, String> e : data.entrySet()) {
            d.writeUTF(e.getKey());
            d.writeUTF(e.getValue());
        }
        d.flush();
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int size = d.readInt();
        data.clear();
        for (int i = 0; i < size; i++) {
            data.put(d.readUTF(), d.readUTF());
        }
    }
}
