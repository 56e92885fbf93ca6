package dev.raftkit.it.harness;

import dev.raftkit.StateMachine;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link KvStateMachine} that also remembers the token of every write it applied, to prove that
 * no command is applied twice and no acknowledged write is lost.
 *
 * <p>The workload writes a unique value with every put and compare-and-set, so a command's value is
 * its token. Applying a token already applied is recorded as a duplicate (it never fails the apply,
 * so the run goes on and the check reports it). Tokens and duplicates are part of the snapshot, so
 * a node restored from a snapshot or restarted keeps checking across the whole history.
 *
 * <p>Not thread-safe, as the state machine contract allows: read it only inside
 * {@code readLinearizable} or {@code readLocal} queries.
 */
public final class RecordingKvStateMachine implements StateMachine<KvCommand, String> {

    private final KvStateMachine kv = new KvStateMachine();
    private final Set<String> appliedTokens = new HashSet<>();
    private final List<String> duplicates = new ArrayList<>();
    private long lastAppliedIndex;

    @Override
    public String apply(long index, KvCommand command) {
        String token = command.value();
        if (token != null && !appliedTokens.add(token)) {
            duplicates.add(token + "@" + index);
        }
        lastAppliedIndex = index;
        return kv.apply(index, command);
    }

    /** Returns the value at {@code key}; call only from a read query. */
    public Optional<String> get(String key) {
        return kv.get(key);
    }

    /** Returns a copy of everything recorded; call only from a read query. */
    public Ledger ledger() {
        return Ledger.of(lastAppliedIndex, kv.snapshotOfData(), appliedTokens, duplicates);
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        ByteArrayOutputStream kvBytes = new ByteArrayOutputStream();
        kv.writeSnapshot(kvBytes);
        DataOutputStream data = new DataOutputStream(out);
        data.writeLong(lastAppliedIndex);
        data.writeInt(kvBytes.size());
        kvBytes.writeTo(data);
        writeStrings(data, appliedTokens);
        writeStrings(data, duplicates);
        data.flush();
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        long index = data.readLong();
        byte[] kvBytes = new byte[data.readInt()];
        data.readFully(kvBytes);
        kv.restoreSnapshot(new ByteArrayInputStream(kvBytes));
        lastAppliedIndex = index;
        appliedTokens.clear();
        appliedTokens.addAll(readStrings(data));
        duplicates.clear();
        duplicates.addAll(readStrings(data));
    }

    private static void writeStrings(DataOutputStream out, Collection<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            out.writeUTF(s);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int size = in.readInt();
        List<String> strings = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            strings.add(in.readUTF());
        }
        return strings;
    }
}
