package dev.raftkit.examples.kv;

import dev.raftkit.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The replicated key-value store of the example: string keys and values, with put, delete and
 * compare-and-set. It does not de-duplicate retries itself: {@link KvServer} writes every command
 * through the client's session, and the engine applies each (session, sequence) once.
 *
 * <p>Threading: all methods run on the node's apply thread (reads through {@code readLinearizable}
 * or {@code readLocal}), so no locking is needed.
 */
public final class KvStore implements StateMachine<KvCommand, KvResult> {

    /** Version 2: the data only (version 1 also held a de-duplication table, now the engine's). */
    private static final int SNAPSHOT_FORMAT = 2;

    private final TreeMap<String, String> data = new TreeMap<>();

    @Override
    public KvResult apply(long index, KvCommand command) {
        return switch (command.op()) {
            case PUT -> new KvResult(true, data.put(command.key(), command.value()));
            case DELETE -> new KvResult(true, data.remove(command.key()));
            case CAS -> compareAndSet(command);
        };
    }

    private KvResult compareAndSet(KvCommand command) {
        String current = data.get(command.key());
        if (!Objects.equals(current, command.expected())) {
            return new KvResult(false, current);
        }
        data.put(command.key(), command.value());
        return new KvResult(true, current);
    }

    /**
     * Returns the value of {@code key}, or null. Call it from a read query, which runs on the apply
     * thread.
     *
     * @param key the key
     * @return its value, or null when absent
     */
    public String get(String key) {
        return data.get(key);
    }

    /** {@return the number of keys}; call it from a read query. */
    public int size() {
        return data.size();
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        DataOutputStream o = new DataOutputStream(out);
        o.writeInt(SNAPSHOT_FORMAT);
        o.writeInt(data.size());
        for (Map.Entry<String, String> e : data.entrySet()) {
            o.writeUTF(e.getKey());
            o.writeUTF(e.getValue());
        }
        o.flush();
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        DataInputStream i = new DataInputStream(in);
        int format = i.readInt();
        if (format != SNAPSHOT_FORMAT) {
            throw new IOException("unknown KvStore snapshot format " + format + "; this build reads " + SNAPSHOT_FORMAT);
        }
        data.clear();
        for (int n = i.readInt(); n > 0; n--) {
            data.put(i.readUTF(), i.readUTF());
        }
    }
}
