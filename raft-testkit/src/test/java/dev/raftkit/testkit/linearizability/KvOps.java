package dev.raftkit.testkit.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds key-value histories for checker tests directly as {@link Operation}s, with explicit
 * intervals, so a fixture reads like a timeline. Every operation gets its own id and process.
 */
final class KvOps {

    private final List<Operation<KvInput<String>, KvOutput<String>>> operations = new ArrayList<>();

    /** Adds an operation that took effect within {@code [invoke, ret]} and returned {@code output}. */
    Operation<KvInput<String>, KvOutput<String>> ok(String key, KvInput<String> input, KvOutput<String> output,
            long invoke, long ret) {
        return add(key, input, Optional.of(output), Outcome.OK, invoke, ret);
    }

    /** Adds an operation that definitely did not take effect. */
    Operation<KvInput<String>, KvOutput<String>> fail(String key, KvInput<String> input, long invoke, long ret) {
        return add(key, input, Optional.empty(), Outcome.FAIL, invoke, ret);
    }

    /** Adds an operation that may take effect at any time after {@code invoke}, or never. */
    Operation<KvInput<String>, KvOutput<String>> unknown(String key, KvInput<String> input, long invoke) {
        return add(key, input, Optional.empty(), Outcome.UNKNOWN, invoke, Operation.NEVER);
    }

    List<Operation<KvInput<String>, KvOutput<String>>> list() {
        return List.copyOf(operations);
    }

    private Operation<KvInput<String>, KvOutput<String>> add(String key, KvInput<String> input,
            Optional<KvOutput<String>> output, Outcome outcome, long invoke, long ret) {
        int id = operations.size();
        Operation<KvInput<String>, KvOutput<String>> op =
                new Operation<>(id, id, key, input, output, outcome, invoke, ret);
        operations.add(op);
        return op;
    }
}
