package dev.raftkit.testkit.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The Wing–Gong–Lowe search over one key's history, with Lowe's memoization of
 * (linearized operations, state) pairs, an explicit stack and no recursion.
 *
 * <p>The search walks the time-ordered {@link EntryList}. At a call it tries to apply that operation
 * to the current state; if the model accepts it and the resulting (set of linearized operations,
 * state) pair was not explored before, it pushes the operation, lifts its events out of the list
 * and restarts from the head. Reaching the return of an unplaced operation is a dead end: it pops
 * the last operation and tries the next candidate. Operations with an unknown outcome return at
 * +infinity, after every known return, so reaching one of their returns means every acknowledged
 * operation is placed and the remaining unknown ones are taken never to have happened.
 *
 * <p>A search object runs once, on one thread.
 *
 * @param <S> the state type of the model
 * @param <I> the input type of the model
 * @param <O> the output type of the model
 */
final class PartitionSearch<S, I, O> {

    /** How many loop iterations pass between two looks at the deadline. */
    private static final int DEADLINE_CHECK_INTERVAL = 1024;

    private final Model<S, I, O> model;
    private final String key;
    private final List<Operation<I, O>> operations;
    private final BooleanSupplier timeUp;

    // The deepest point reached, for the report.
    private int[] bestPrefix = new int[0];
    private S bestState;
    private int blockedOperation = -1;
    private int[] concurrentAtBlock = new int[0];

    /**
     * Prepares a search.
     *
     * @param model the model to check against
     * @param key the key, for the report
     * @param operations the key's OK and UNKNOWN operations (FAIL ones already dropped)
     * @param timeUp polled now and then; when it returns true the search gives up undecided
     */
    PartitionSearch(Model<S, I, O> model, String key, List<Operation<I, O>> operations, BooleanSupplier timeUp) {
        this.model = model;
        this.key = key;
        this.operations = List.copyOf(operations);
        this.timeUp = timeUp;
    }

    /** Returns the key this search checks. */
    String key() {
        return key;
    }

    /** Runs the search and returns the verdict for this key. */
    PartitionResult<I, O> run() {
        int n = operations.size();
        long[] invokeTimes = new long[n];
        long[] returnTimes = new long[n];
        List<O> outputs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Operation<I, O> op = operations.get(i);
            invokeTimes[i] = op.invokeTime();
            returnTimes[i] = op.returnTime();
            outputs.add(op.output().orElseGet(model::unknownOutput));
        }
        EntryList entries = new EntryList(invokeTimes, returnTimes);
        BitSet linearized = new BitSet(n);
        Set<CacheKey<S>> explored = new HashSet<>();
        int[] stackOperations = new int[n];
        List<S> stackStates = new ArrayList<>(n);
        S state = model.initialState();
        bestState = state;
        long iterations = 0;
        int entry = entries.first();
        while (true) {
            if (iterations++ % DEADLINE_CHECK_INTERVAL == 0 && timeUp.getAsBoolean()) {
                return PartitionResult.undecided(key);
            }
            if (entries.isEnd(entry)) {
                return PartitionResult.linearizable(key);
            }
            int op = entries.operation(entry);
            if (entries.isCall(entry)) {
                Optional<S> after = model.step(state, operations.get(op).input(), outputs.get(op));
                if (after.isPresent()) {
                    linearized.set(op);
                    if (explored.add(new CacheKey<>((BitSet) linearized.clone(), after.get()))) {
                        int depth = stackStates.size();
                        stackOperations[depth] = op;
                        stackStates.add(state);
                        state = after.get();
                        entries.lift(op);
                        noteDepth(stackOperations, depth + 1, state);
                        entry = entries.first();
                        continue;
                    }
                    linearized.clear(op);
                }
                entry = entries.next(entry);
                continue;
            }
            if (operations.get(op).outcome() == Outcome.UNKNOWN) {
                return PartitionResult.linearizable(key);
            }
            noteDeadEnd(entries, entry, stackStates.size());
            if (stackStates.isEmpty()) {
                return PartitionResult.violated(violation());
            }
            int depth = stackStates.size() - 1;
            int undone = stackOperations[depth];
            state = stackStates.remove(depth);
            linearized.clear(undone);
            entries.unlift(undone);
            entry = entries.next(entries.callOf(undone));
        }
    }

    /** Remembers the prefix if it is the longest so far. */
    private void noteDepth(int[] stackOperations, int depth, S state) {
        if (depth > bestPrefix.length) {
            bestPrefix = Arrays.copyOf(stackOperations, depth);
            bestState = state;
            blockedOperation = -1;
        }
    }

    /**
     * At the first dead end after the longest prefix was reached, remembers which operation's return
     * blocked and which operations were pending beside it.
     */
    private void noteDeadEnd(EntryList entries, int returnEntry, int depth) {
        if (depth != bestPrefix.length || blockedOperation >= 0) {
            return;
        }
        blockedOperation = entries.operation(returnEntry);
        List<Integer> pending = new ArrayList<>();
        for (int e = entries.first(); e != returnEntry; e = entries.next(e)) {
            if (entries.isCall(e) && entries.operation(e) != blockedOperation) {
                pending.add(entries.operation(e));
            }
        }
        concurrentAtBlock = pending.stream().mapToInt(Integer::intValue).toArray();
    }

    private Violation<I, O> violation() {
        return new Violation<>(key, operationsAt(bestPrefix), model.describe(bestState),
                operations.get(blockedOperation), operationsAt(concurrentAtBlock));
    }

    private List<Operation<I, O>> operationsAt(int[] indices) {
        return Arrays.stream(indices).mapToObj(operations::get).toList();
    }

    /** A memoized search configuration: which operations are linearized and the state they led to. */
    private record CacheKey<S>(BitSet linearized, S state) {
    }
}
