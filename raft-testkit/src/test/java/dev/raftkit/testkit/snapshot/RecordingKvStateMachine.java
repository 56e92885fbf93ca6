package dev.raftkit.testkit.snapshot;

import dev.raftkit.StateMachine;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link KvStateMachine} that records how it came by its state: the index of every command it
 * applied, and every snapshot it restored (with the position in the apply record at which it came),
 * so a test can tell a state rebuilt from a snapshot from one replayed from the log; it also counts
 * the snapshots it wrote.
 *
 * <p>Like any state machine it is used by one thread at a time (the node's start, then its apply
 * thread); tests read the record inside {@code readLocal}, which runs on the apply thread.
 */
final class RecordingKvStateMachine implements StateMachine<KvCommand, String> {

    private final KvStateMachine kv = new KvStateMachine();
    private final List<Long> appliedIndexes = new ArrayList<>();
    /** For each restore, how many commands had been applied before it. */
    private final List<Integer> restoredAfter = new ArrayList<>();
    private int snapshotsWritten;

    @Override
    public String apply(long index, KvCommand command) {
        appliedIndexes.add(index);
        return kv.apply(index, command);
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        kv.writeSnapshot(out);
        snapshotsWritten++;
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        kv.restoreSnapshot(in);
        restoredAfter.add(appliedIndexes.size());
    }

    /** Returns puts of {@code k<i % keys> = v<i>} for i in [from, to): a workload to fill the store. */
    static List<KvCommand> puts(int from, int to, int keys) {
        List<KvCommand> commands = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            commands.add(KvCommand.put("k" + i % keys, "v" + i));
        }
        return commands;
    }

    /** Returns the store's contents. */
    Map<String, String> data() {
        return kv.snapshotOfData();
    }

    /** Returns the index of every command applied, in order. */
    List<Long> appliedIndexes() {
        return List.copyOf(appliedIndexes);
    }

    /** Returns how many snapshots were written. */
    int snapshotsWritten() {
        return snapshotsWritten;
    }

    /** Returns how many snapshots were restored. */
    int restores() {
        return restoredAfter.size();
    }

    /**
     * Returns the index of the first command applied after the latest restore, or -1 if there was no
     * restore or nothing was applied after it.
     */
    long firstAppliedAfterLastRestore() {
        if (restoredAfter.isEmpty()) {
            return -1;
        }
        int position = restoredAfter.get(restoredAfter.size() - 1);
        return position < appliedIndexes.size() ? appliedIndexes.get(position) : -1;
    }

    /** Returns how many commands were applied before the first restore (all of them if none). */
    int appliedBeforeFirstRestore() {
        return restoredAfter.isEmpty() ? appliedIndexes.size() : restoredAfter.get(0);
    }
}
