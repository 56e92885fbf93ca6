package dev.raftkit.testkit.linearizability;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lowe's memoization for the Wing–Gong–Lowe search, extended for unknown outcomes: the current set
 * of linearized operations, and every configuration (linearized operations, state) explored so far.
 *
 * <p>Configurations are grouped by (linearized acknowledged operations, state); each group keeps the
 * sets of linearized unknown operations seen with it. A new configuration is skipped when a group
 * member's unknown set is a subset of its own: having applied fewer unknown operations leaves
 * strictly more choices (an unknown operation may also never happen), so every completion of the
 * new configuration is also one of the old, which is explored or being explored. Without this an
 * unknown write that was later overwritten would double the work for everything after it.
 *
 * <p>States must have value equality. Not thread-safe.
 *
 * @param <S> the state type of the model
 */
final class SearchMemo<S> {

    /** About how much memory the explored configurations of one search may take. */
    private static final long MEMORY_BOUND_BYTES = 512L << 20;

    private final Map<Group<S>, List<BitSet>> explored = new HashMap<>();
    private final BitSet linearizedKnown;
    private final BitSet linearizedUnknown;
    private final long capacity;
    private long size = 1;

    /**
     * Starts with nothing linearized and the initial configuration explored.
     *
     * @param operations the number of operations in the partition
     * @param initialState the model's initial state
     */
    SearchMemo(int operations, S initialState) {
        linearizedKnown = new BitSet(operations);
        linearizedUnknown = new BitSet(operations);
        long bytesPerConfiguration = 2L * (operations / 8 + 64) + 100;
        capacity = MEMORY_BOUND_BYTES / bytesPerConfiguration;
        explored.put(new Group<>(new BitSet(), initialState), new ArrayList<>(List.of(new BitSet())));
    }

    /**
     * Marks {@code op} linearized, reaching {@code state}, if that configuration is neither explored
     * nor dominated by an explored one; otherwise changes nothing.
     *
     * @param op the operation to linearize next
     * @param unknown whether its outcome is unknown
     * @param state the state after it
     * @return whether the configuration is new and now marked
     */
    boolean visit(int op, boolean unknown, S state) {
        BitSet bits = unknown ? linearizedUnknown : linearizedKnown;
        bits.set(op);
        List<BitSet> seen = explored.get(new Group<>(linearizedKnown, state));
        if (seen != null && seen.stream().anyMatch(other -> isSubset(other, linearizedUnknown))) {
            bits.clear(op);
            return false;
        }
        if (seen == null) {
            seen = new ArrayList<>(1);
            explored.put(new Group<>((BitSet) linearizedKnown.clone(), state), seen);
        }
        int before = seen.size();
        seen.removeIf(other -> isSubset(linearizedUnknown, other));
        seen.add((BitSet) linearizedUnknown.clone());
        size += seen.size() - before;
        return true;
    }

    /**
     * Tells whether the explored configurations reached the memory bound (about 512 MB per
     * search), after which the search must give up rather than exhaust the heap.
     *
     * @return whether the memo is full
     */
    boolean isFull() {
        return size >= capacity;
    }

    /**
     * Returns how many configurations the memo can hold.
     *
     * @return the capacity
     */
    long capacity() {
        return capacity;
    }

    /**
     * Marks {@code op} no longer linearized, when the search backtracks over it.
     *
     * @param op the operation
     * @param unknown whether its outcome is unknown
     */
    void leave(int op, boolean unknown) {
        (unknown ? linearizedUnknown : linearizedKnown).clear(op);
    }

    /**
     * Tells whether the unknown operation {@code op} is linearized now.
     *
     * @param op an operation whose outcome is unknown
     * @return whether it is linearized
     */
    boolean isLinearizedUnknown(int op) {
        return linearizedUnknown.get(op);
    }

    private static boolean isSubset(BitSet subset, BitSet superset) {
        for (int i = subset.nextSetBit(0); i >= 0; i = subset.nextSetBit(i + 1)) {
            if (!superset.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** Linearized acknowledged operations and the state reached; compared by value. */
    private record Group<S>(BitSet linearizedKnown, S state) {
    }
}
