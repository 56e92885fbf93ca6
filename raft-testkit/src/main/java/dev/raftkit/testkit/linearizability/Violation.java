package dev.raftkit.testkit.linearizability;

import java.util.List;
import java.util.Objects;

/**
 * Why one key's history is not linearizable: the longest linearizable prefix the search reached,
 * and the operation that could not be placed after it.
 *
 * <p>The blocked operation's return was reached while it was still unplaced: it does not fit the
 * state after the prefix, and no continuation that first places operations concurrent with it
 * completes. The culprit is the blocked operation, an operation of the prefix, or one of the
 * concurrent ones (for example a read that returned a stale value, or a write that should not have
 * happened); the prefix is one longest linearizable prefix the search found, not the only one.
 *
 * @param key the key whose history is not linearizable
 * @param linearizedPrefix the longest sequence of operations the model accepted, in linearization order
 * @param stateAfterPrefix the model's description of the state after that sequence
 * @param blockedOperation the operation that had to take effect next but could not
 * @param concurrentOperations the other operations that were invoked but not placed at that point
 * @param <I> the input type of the model
 * @param <O> the output type of the model
 */
public record Violation<I, O>(String key, List<Operation<I, O>> linearizedPrefix, String stateAfterPrefix,
        Operation<I, O> blockedOperation, List<Operation<I, O>> concurrentOperations) {

    private static final int SHOWN_PREFIX = 20;
    private static final int SHOWN_CONCURRENT = 10;

    /**
     * Copies the lists and rejects nulls.
     *
     * @param key the key whose history is not linearizable
     * @param linearizedPrefix the longest sequence of operations the model accepted, in
     *     linearization order
     * @param stateAfterPrefix the model's description of the state after that sequence
     * @param blockedOperation the operation that had to take effect next but could not
     * @param concurrentOperations the other operations that were invoked but not placed at that point
     * @throws NullPointerException if any argument is null
     */
    public Violation {
        Objects.requireNonNull(key, "key");
        linearizedPrefix = List.copyOf(linearizedPrefix);
        Objects.requireNonNull(stateAfterPrefix, "stateAfterPrefix");
        Objects.requireNonNull(blockedOperation, "blockedOperation");
        concurrentOperations = List.copyOf(concurrentOperations);
    }

    /**
     * Returns a multi-line explanation naming the key, the end of the linearized prefix (at most
     * the last 20 operations), the state reached, the blocked operation and the concurrent ones
     * (at most 10).
     *
     * @return the explanation
     */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append("key \"").append(key).append("\" is not linearizable.\n");
        text.append("  Longest linearizable prefix: ").append(linearizedPrefix.size())
                .append(" operation(s), in linearization order");
        int omitted = Math.max(0, linearizedPrefix.size() - SHOWN_PREFIX);
        if (omitted > 0) {
            text.append(" (the first ").append(omitted).append(" omitted)");
        }
        text.append(":\n");
        for (int i = omitted; i < linearizedPrefix.size(); i++) {
            text.append("    ").append(i + 1).append(". ").append(linearizedPrefix.get(i)).append('\n');
        }
        text.append("  State after the prefix: ").append(stateAfterPrefix).append('\n');
        text.append("  First operation that could not be linearized: ").append(blockedOperation).append('\n');
        text.append("  It had to take effect by its return, but it does not fit this state, and placing the "
                + "operations still pending beside it first does not lead to a full linearization either.\n");
        text.append("  Operations pending beside it: ");
        if (concurrentOperations.isEmpty()) {
            text.append("none\n");
        } else {
            text.append(concurrentOperations.size()).append('\n');
            concurrentOperations.stream().limit(SHOWN_CONCURRENT)
                    .forEach(op -> text.append("    ").append(op).append('\n'));
            if (concurrentOperations.size() > SHOWN_CONCURRENT) {
                text.append("    ... and ").append(concurrentOperations.size() - SHOWN_CONCURRENT).append(" more\n");
            }
        }
        return text.toString();
    }

    /** Returns {@link #describe()}. */
    @Override
    public String toString() {
        return describe();
    }
}
