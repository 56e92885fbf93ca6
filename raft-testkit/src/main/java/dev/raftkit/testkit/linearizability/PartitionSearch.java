package dev.raftkit.testkit.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The Wing–Gong–Lowe search over one key's history, with memoization, an explicit stack and no
 * recursion.
 *
 * <p>The search walks the time-ordered {@link EntryList}. The calls before the first return are the
 * candidates to linearize next. It applies a candidate to the current state; if the model accepts
 * it and the configuration is new ({@link SearchMemo}), it pushes the operation, lifts its events out
 * of the list and starts over from the head. Reaching the return of an unplaced acknowledged
 * operation after trying every candidate is a dead end: it pops the last operation and tries the
 * next candidate. Unknown operations return at +infinity, after every known return, so reaching
 * one of their returns means every acknowledged operation is placed and the remaining unknown ones
 * are taken never to have happened. An unknown operation with a known return time (it took effect
 * before then, or never) is the exception: reaching its return unplaced, the search takes the
 * one more move there is, to decide that it never happened (lifting it without changing the
 * state), and undoes that move like any other. For the memo such an operation counts as an
 * acknowledged one.
 *
 * <p>Unknown operations widen the search most, so three sound reductions apply to them: the memo's
 * dominance rule; twins (unknown operations with equal inputs, which are interchangeable) are
 * applied only in invocation order; and an unknown operation whose effect the next unknown one
 * overwrites completely is not combined with it (the configuration without it is explored anyway).
 * The last two assume returns at +infinity, so they leave out operations with a known return time.
 *
 * <p>Candidates are tried in one of two orders, acknowledged-first or unknown-first. Both are
 * exhaustive and give the same verdict, but unknown-first usually proves a linearizable history
 * faster and acknowledged-first usually refutes a violated one faster. So a short unknown-first
 * attempt (bounded by a number of steps, so the outcome does not depend on timing) comes first,
 * and an acknowledged-first search runs if that was not enough.
 *
 * <p>A search object runs on one thread at a time.
 *
 * @param <S> the state type of the model
 * @param <I> the input type of the model
 * @param <O> the output type of the model
 */
final class PartitionSearch<S, I, O> {

    /** How many steps pass between two looks at the deadline and the interrupt status. */
    private static final int STOP_CHECK_INTERVAL = 1024;
    /** The quick unknown-first attempt may take this many steps plus a few per operation. */
    private static final long QUICK_STEPS_BASE = 20_000;
    private static final long QUICK_STEPS_PER_OPERATION = 200;

    private final Model<S, I, O> model;
    private final String key;
    private final List<Operation<I, O>> operations;
    private final Supplier<Optional<String>> stopReason;
    private final boolean[] unknown;
    /** Unknown operations with a known return time: they took effect before it, or never. */
    private final boolean[] bounded;
    private final List<O> outputs;
    private final long[] invokeTimes;
    private final long[] returnTimes;
    private final int[] previousTwin;

    private String undecidedReason = "";

    // The deepest point the current attempt reached, for the report.
    private int[] bestPrefix;
    /** Which operations of the best prefix were decided never to have happened. */
    private boolean[] bestSkipped;
    private S bestState;
    private int blockedOperation;
    private int[] concurrentAtBlock;

    /**
     * Prepares a search.
     *
     * @param model the model to check against
     * @param key the key, for the report
     * @param operations the key's OK and UNKNOWN operations (FAIL ones already dropped)
     * @param stopReason polled now and then; when it returns a reason the search gives up undecided
     */
    PartitionSearch(Model<S, I, O> model, String key, List<Operation<I, O>> operations,
            Supplier<Optional<String>> stopReason) {
        this.model = model;
        this.key = key;
        this.operations = List.copyOf(operations);
        this.stopReason = stopReason;
        int n = operations.size();
        unknown = new boolean[n];
        bounded = new boolean[n];
        outputs = new ArrayList<>(n);
        invokeTimes = new long[n];
        returnTimes = new long[n];
        for (int i = 0; i < n; i++) {
            Operation<I, O> op = operations.get(i);
            unknown[i] = op.outcome() == Outcome.UNKNOWN;
            bounded[i] = unknown[i] && op.returnTime() != Operation.NEVER;
            outputs.add(op.output().orElseGet(model::unknownOutput));
            invokeTimes[i] = op.invokeTime();
            returnTimes[i] = op.returnTime();
        }
        previousTwin = previousTwins();
    }

    /** Returns the key this search checks. */
    String key() {
        return key;
    }

    /** Runs the search and returns the verdict for this key. */
    PartitionResult<I, O> run() {
        long quickSteps = QUICK_STEPS_BASE + QUICK_STEPS_PER_OPERATION * operations.size();
        return attempt(true, quickSteps)
                .or(() -> attempt(false, Long.MAX_VALUE))
                .orElseGet(() -> PartitionResult.undecided(key, undecidedReason));
    }

    /**
     * One exhaustive search in the given candidate order.
     *
     * @return the verdict, or empty if the step bound, the time budget or the memory bound ran out first
     */
    private Optional<PartitionResult<I, O>> attempt(boolean unknownsFirst, long maxSteps) {
        EntryList entries = new EntryList(invokeTimes, returnTimes);
        int[] stackOperations = new int[operations.size()];
        boolean[] stackSkipped = new boolean[operations.size()];
        List<S> stackStates = new ArrayList<>(operations.size());
        S state = model.initialState();
        SearchMemo<S> memo = new SearchMemo<>(operations.size(), state);
        resetReport(state);
        boolean unknownPass = unknownsFirst;
        int entry = entries.first();
        for (long steps = 0; ; steps++) {
            if (steps == maxSteps) {
                return Optional.empty();
            }
            if (steps % STOP_CHECK_INTERVAL == 0) {
                Optional<String> stop = stopReason.get();
                if (stop.isPresent()) {
                    undecidedReason = stop.get();
                    return Optional.empty();
                }
            }
            if (memo.isFull()) {
                undecidedReason = "the search explored " + memo.capacity() + " configurations, its memory bound";
                return Optional.empty();
            }
            if (entries.isEnd(entry)) {
                return Optional.of(PartitionResult.linearizable(key));
            }
            int op = entries.operation(entry);
            if (entries.isCall(entry)) {
                if (unknown[op] == unknownPass && twinOrderKept(op, memo)) {
                    Optional<S> after = model.step(state, operations.get(op).input(), outputs.get(op));
                    if (after.isPresent() && !absorbsUnknownOnTop(op, after.get(), stackOperations, stackStates)
                            && memo.visit(op, openEnded(op), after.get())) {
                        int depth = stackStates.size();
                        stackOperations[depth] = op;
                        stackSkipped[depth] = false;
                        stackStates.add(state);
                        state = after.get();
                        entries.lift(op);
                        noteDepth(stackOperations, stackSkipped, depth + 1, state);
                        unknownPass = unknownsFirst;
                        entry = entries.first();
                        continue;
                    }
                }
                entry = entries.next(entry);
                continue;
            }
            if (unknown[op] && !bounded[op]) {
                return Optional.of(PartitionResult.linearizable(key));
            }
            if (unknownPass == unknownsFirst) {
                unknownPass = !unknownsFirst;
                entry = entries.first();
                continue;
            }
            if (bounded[op] && memo.visit(op, false, state)) {
                // Every placement was tried here: the last move is that it never happened.
                int depth = stackStates.size();
                stackOperations[depth] = op;
                stackSkipped[depth] = true;
                stackStates.add(state);
                entries.lift(op);
                unknownPass = unknownsFirst;
                entry = entries.first();
                continue;
            }
            noteDeadEnd(entries, entry, stackStates.size());
            // Undo the last placement; undoing a "never happened" move leaves a configuration whose
            // moves were all tried, so undo the one before it too.
            boolean skipped;
            int undone;
            do {
                if (stackStates.isEmpty()) {
                    return Optional.of(PartitionResult.violated(violation()));
                }
                int depth = stackStates.size() - 1;
                undone = stackOperations[depth];
                skipped = stackSkipped[depth];
                state = stackStates.remove(depth);
                memo.leave(undone, openEnded(undone));
                entries.unlift(undone);
            } while (skipped);
            unknownPass = unknown[undone];
            entry = entries.next(entries.callOf(undone));
        }
    }

    /**
     * For each unknown operation, finds the unknown operation with an equal input invoked just
     * before it (-1 if none). Such twins are interchangeable once both are invoked, since neither
     * has an observed output, so the search applies twins only in invocation order.
     */
    private int[] previousTwins() {
        int[] previous = new int[unknown.length];
        Arrays.fill(previous, -1);
        Map<I, Integer> lastWithInput = new HashMap<>();
        IntStream.range(0, unknown.length).filter(i -> unknown[i] && !bounded[i]).boxed()
                .sorted(Comparator.<Integer>comparingLong(i -> invokeTimes[i]).thenComparingInt(i -> i))
                .forEach(i -> {
                    Integer before = lastWithInput.put(operations.get(i).input(), i);
                    previous[i] = before == null ? -1 : before;
                });
        return previous;
    }

    /**
     * Tells whether {@code op} may take effect at any later time (unknown, returning at +infinity).
     * Only such operations take part in the memo's dominance rule: one with a known return must be
     * decided before it, so a configuration where it is still open does not have more choices.
     */
    private boolean openEnded(int op) {
        return unknown[op] && !bounded[op];
    }

    /** Tells whether linearizing {@code op} now keeps unknown twins in invocation order. */
    private boolean twinOrderKept(int op, SearchMemo<S> memo) {
        return !unknown[op] || bounded[op] || previousTwin[op] < 0 || memo.isLinearizedUnknown(previousTwin[op]);
    }

    /**
     * Tells whether unknown operation {@code op}, applied right after the unknown operation on top of
     * the stack, gives the same state as it would instead of it. Then the top operation had no
     * visible effect, and the configuration is dominated by its sibling without the top operation,
     * which the search explores from the parent anyway.
     */
    private boolean absorbsUnknownOnTop(int op, S after, int[] stackOperations, List<S> stackStates) {
        int top = stackStates.size() - 1;
        if (!unknown[op] || bounded[op] || top < 0 || !unknown[stackOperations[top]]
                || bounded[stackOperations[top]]) {
            return false;
        }
        Optional<S> instead = model.step(stackStates.get(top), operations.get(op).input(), outputs.get(op));
        return instead.isPresent() && instead.get().equals(after);
    }

    private void resetReport(S initialState) {
        bestPrefix = new int[0];
        bestSkipped = new boolean[0];
        bestState = initialState;
        blockedOperation = -1;
        concurrentAtBlock = new int[0];
    }

    /** Remembers the prefix if it is the longest so far. */
    private void noteDepth(int[] stackOperations, boolean[] stackSkipped, int depth, S state) {
        if (depth > bestPrefix.length) {
            bestPrefix = Arrays.copyOf(stackOperations, depth);
            bestSkipped = Arrays.copyOf(stackSkipped, depth);
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
        int[] placed = IntStream.range(0, bestPrefix.length).filter(i -> !bestSkipped[i]).map(i -> bestPrefix[i])
                .toArray();
        return new Violation<>(key, operationsAt(placed), model.describe(bestState),
                operations.get(blockedOperation), operationsAt(concurrentAtBlock));
    }

    private List<Operation<I, O>> operationsAt(int[] indices) {
        return Arrays.stream(indices).mapToObj(operations::get).toList();
    }
}
