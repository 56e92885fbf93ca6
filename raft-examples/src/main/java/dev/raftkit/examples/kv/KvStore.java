package dev.raftkit.examples.kv;

import dev.raftkit.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The replicated key-value store of the example: string keys and values, with put, delete and
 * compare-and-set, deduplicated by idempotency key so a client's retry after a failover does not
 * apply twice.
 *
 * <p>Each client's last sequence number and result are part of the replicated state (and of
 * snapshots): every node answers a retry the same way. A command whose sequence is at or below the
 * client's last one is not applied again; the last one gets its original result back. This table
 * grows with the number of clients; a long-running service would expire idle clients with a
 * replicated command.
 *
 * <p>Threading: all methods run on the node's apply thread (reads through {@code readLinearizable}
 * or {@code readLocal}), so no locking is needed.
 */
public final class KvStore implements StateMachine<KvCommand, KvResult> {

    private static final int SNAPSHOT_FORMAT = 1;

    private record LastRequest(long sequence, KvResult result) {
    }

    private final TreeMap<String, String> data = new TreeMap<>();
    private final Map<String, LastRequest> lastRequests = new HashMap<>();

    // tag::dedupe[]
    @Override
    public KvResult apply(long index, KvCommand command) {
        LastRequest last = lastRequests.get(command.clientId());
        if (last != null && command.sequence() <= last.sequence()) {
            // A retry. Older sequences cannot recur with a sequential client; answer "not applied".
            return command.sequence() == last.sequence() ? last.result() : new KvResult(false, data.get(command.key()));
        }
        KvResult result = switch (command.op()) {
            case PUT -> new KvResult(true, data.put(command.key(), command.value()));
            case DELETE -> new KvResult(true, data.remove(command.key()));
            case CAS -> compareAndSet(command);
        };
        lastRequests.put(command.clientId(), new LastRequest(command.sequence(), result));
        return result;
    }
    // end::dedupe[]

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
        o.writeInt(lastRequests.size());
        for (Map.Entry<String, LastRequest> e : lastRequests.entrySet()) {
            o.writeUTF(e.getKey());
            o.writeLong(e.getValue().sequence());
            o.writeBoolean(e.getValue().result().applied());
            KvCommand.writeNullable(o, e.getValue().result().value());
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
        lastRequests.clear();
        for (int n = i.readInt(); n > 0; n--) {
            data.put(i.readUTF(), i.readUTF());
        }
        for (int n = i.readInt(); n > 0; n--) {
            String client = i.readUTF();
            long sequence = i.readLong();
            lastRequests.put(client, new LastRequest(sequence, new KvResult(i.readBoolean(), KvCommand.readNullable(i))));
        }
    }
}
