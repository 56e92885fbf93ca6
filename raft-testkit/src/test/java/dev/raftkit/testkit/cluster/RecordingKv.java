package dev.raftkit.testkit.cluster;

import dev.raftkit.StateMachine;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link KvStateMachine} that records every apply (index, command, response) and can hold applies
 * at a gate the test controls, so writes stay in flight (committed, not yet applied) for as long as
 * a test needs, or make the apply of one command throw.
 *
 * <p>{@code apply} runs on the node's apply thread; the recording and the gate may be used from any
 * thread. Read the key-value data itself only inside a read query ({@link #kv()}).
 */
final class RecordingKv implements StateMachine<KvCommand, String> {

    /** One apply as the state machine saw it. */
    record Applied(long index, KvCommand command, String response) {
    }

    private final KvStateMachine kv = new KvStateMachine();
    private final List<Applied> applied = new ArrayList<>();
    private final Gate gate = new Gate();
    private final Map<KvCommand, Error> faults = new ConcurrentHashMap<>();

    @Override
    public String apply(long index, KvCommand command) {
        gate.pass("apply of index " + index);
        Error fault = faults.remove(command);
        if (fault != null) {
            throw fault;
        }
        String response = kv.apply(index, command);
        synchronized (applied) {
            applied.add(new Applied(index, command, response));
        }
        return response;
    }

    /** Makes later applies wait until {@link #release()}. */
    void hold() {
        gate.hold();
    }

    /** Lets held and later applies through. */
    void release() {
        gate.release();
    }

    /** Returns whether an apply is waiting at the gate right now. */
    boolean applyIsHeld() {
        return gate.isHoldingSomeone();
    }

    /** Makes the apply of {@code command} throw {@code error} (once), as a buggy state machine might. */
    void failApplyOf(KvCommand command, Error error) {
        faults.put(command, error);
    }

    /** Returns a copy of every apply so far, in the order they ran. */
    List<Applied> applied() {
        synchronized (applied) {
            return List.copyOf(applied);
        }
    }

    /** Returns the apply of {@code command}, if it ran here; commands in tests are unique. */
    Optional<Applied> find(KvCommand command) {
        return applied().stream().filter(a -> a.command().equals(command)).findFirst();
    }

    /** Returns the key-value store; touch it only inside a read query, on the apply thread. */
    KvStateMachine kv() {
        return kv;
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        kv.writeSnapshot(out);
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        kv.restoreSnapshot(in);
    }
}
