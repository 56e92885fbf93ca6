package dev.raftkit.testkit.sim;

import dev.raftkit.Codec;
import dev.raftkit.NodeId;
import dev.raftkit.testkit.kv.KvCommand;
import dev.raftkit.testkit.kv.KvStateMachine;
import dev.raftkit.testkit.linearizability.History;
import dev.raftkit.testkit.linearizability.KvInput;
import dev.raftkit.testkit.linearizability.KvOutput;
import dev.raftkit.testkit.linearizability.KvRegisterModel;
import dev.raftkit.testkit.linearizability.Model;
import dev.raftkit.testkit.linearizability.Operation;
import dev.raftkit.testkit.linearizability.Outcome;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The test kit's own workload: puts of unique values, compare-and-sets and linearizable reads on a
 * few keys of a {@link KvStateMachine}, with a final read of every key, and a check that every
 * acknowledged put was applied.
 */
final class KvWorkload implements Workload<KvCommand, String, KvStateMachine, KvInput<String>, KvOutput<String>> {

    private static final long KEY_EPOCH_NANOS = 1_000_000_000L;

    private final int keysPerEpoch;
    /** Every key used so far, read once more at the end. */
    private final SortedSet<String> usedKeys = new TreeSet<>();

    /**
     * @param keysPerEpoch how many keys the clients share within a second of virtual time
     */
    KvWorkload(int keysPerEpoch) {
        this.keysPerEpoch = keysPerEpoch;
    }

    @Override
    public Supplier<KvStateMachine> stateMachines() {
        return KvStateMachine::new;
    }

    @Override
    public Codec<KvCommand> codec() {
        return KvCommand.CODEC;
    }

    @Override
    public Model<?, KvInput<String>, KvOutput<String>> model() {
        return new KvRegisterModel<String>();
    }

    @Override
    public SimClient.Requests<KvCommand, String, KvStateMachine, KvInput<String>, KvOutput<String>> requests(
            int clientId) {
        int[] counter = new int[1];
        return (random, now) -> {
            // Keys rotate every second of virtual time, so each key's history stays short enough for the
            // linearizability search however many operations end unknown (RELIABILITY.md §3.6, P7).
            String key = "k" + now / KEY_EPOCH_NANOS + "-" + random.nextInt(keysPerEpoch);
            usedKeys.add(key);
            int dice = random.nextInt(100);
            if (dice < 45) {
                String value = "c" + clientId + "-" + (++counter[0]);
                return write(key, KvInput.put(value), KvCommand.put(key, value));
            } else if (dice < 60) {
                String expected = "c" + random.nextInt(4) + "-" + random.nextInt(Math.max(1, counter[0]));
                String value = "c" + clientId + "-" + (++counter[0]);
                return write(key, KvInput.cas(expected, value), KvCommand.cas(key, expected, value));
            }
            return read(key);
        };
    }

    private static SimClient.Request<KvCommand, String, KvStateMachine, KvInput<String>, KvOutput<String>> write(
            String key, KvInput<String> input, KvCommand command) {
        return new SimClient.Command<>(key, input, command,
                response -> command.kind() == KvCommand.Kind.CAS ? KvOutput.swapped(Boolean.parseBoolean(response))
                        : KvOutput.ack(), true);
    }

    private static SimClient.Request<KvCommand, String, KvStateMachine, KvInput<String>, KvOutput<String>> read(
            String key) {
        return new SimClient.Query<>(key, KvInput.get(),
                state -> state.get(key).map(KvOutput::value).orElseGet(KvOutput::absent));
    }

    @Override
    public void finish(SimClient<KvCommand, String, KvStateMachine, KvInput<String>, KvOutput<String>> reader,
            NodeId leader, Runnable settle) {
        for (String key : List.copyOf(usedKeys)) {
            reader.sendTo(leader, read(key));
            settle.run();
        }
    }

    @Override
    public Object stateOf(KvStateMachine state) {
        return state.snapshotOfData();
    }

    /** Checks that every acknowledged put was applied: its (unique) value appears among the applied commands. */
    @Override
    public void checkEnd(History<KvInput<String>, KvOutput<String>> history, SafetyMonitor<KvCommand> monitor) {
        Set<String> appliedValues = new HashSet<>();
        for (KvCommand c : monitor.applied().values()) {
            if (c.value() != null) {
                appliedValues.add(c.key() + "=" + c.value());
            }
        }
        for (Operation<KvInput<String>, KvOutput<String>> op : history.operations()) {
            if (op.outcome() == Outcome.OK && op.input() instanceof KvInput.Put<String> put
                    && !appliedValues.contains(op.key() + "=" + put.value())) {
                throw new SafetyViolation("durability: acknowledged write " + op + " was never applied");
            }
        }
    }
}
