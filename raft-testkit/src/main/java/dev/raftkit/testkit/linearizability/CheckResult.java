package dev.raftkit.testkit.linearizability;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one {@link LinearizabilityChecker#check}: the {@link Verdict}, the violations
 * found, the keys left undecided and a readable explanation.
 *
 * <p>The verdict is {@link Verdict#NOT_LINEARIZABLE} if any key is violated, else
 * {@link Verdict#UNKNOWN} if any key is undecided, else {@link Verdict#LINEARIZABLE}. Only
 * {@code LINEARIZABLE} is a pass; {@link #assertLinearizable()} enforces exactly that. Immutable.
 *
 * @param <I> the input type of the model
 * @param <O> the output type of the model
 */
public final class CheckResult<I, O> {

    private static final int SHOWN_UNDECIDED = 10;

    private final List<Violation<I, O>> violations;
    private final List<PartitionResult<I, O>> undecided;
    private final int keysChecked;
    private final int operationsChecked;
    private final Duration elapsed;
    private final Duration timeBudget;

    CheckResult(List<PartitionResult<I, O>> partitions, int operationsChecked, Duration elapsed, Duration timeBudget) {
        this.violations = partitions.stream().map(PartitionResult::violation).flatMap(Optional::stream).toList();
        this.undecided = partitions.stream().filter(p -> p.verdict() == Verdict.UNKNOWN).toList();
        this.keysChecked = partitions.size();
        this.operationsChecked = operationsChecked;
        this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
        this.timeBudget = Objects.requireNonNull(timeBudget, "timeBudget");
    }

    /**
     * Returns the overall verdict. {@link Verdict#UNKNOWN} proves nothing and must be treated as a
     * failure.
     *
     * @return the verdict
     */
    public Verdict verdict() {
        if (!violations.isEmpty()) {
            return Verdict.NOT_LINEARIZABLE;
        }
        return undecided.isEmpty() ? Verdict.LINEARIZABLE : Verdict.UNKNOWN;
    }

    /**
     * Tells whether the history was proven linearizable.
     *
     * @return true exactly when the verdict is {@link Verdict#LINEARIZABLE}
     */
    public boolean isLinearizable() {
        return verdict() == Verdict.LINEARIZABLE;
    }

    /**
     * Returns one violation per violated key, in key order.
     *
     * @return the violations; empty unless the verdict is {@link Verdict#NOT_LINEARIZABLE}
     */
    public List<Violation<I, O>> violations() {
        return violations;
    }

    /**
     * Returns the keys whose check gave up (time budget, memory bound or interruption), in key order.
     *
     * @return the undecided keys
     */
    public List<String> undecidedKeys() {
        return undecided.stream().map(PartitionResult::key).toList();
    }

    /**
     * Returns the number of keys that had operations to check (failed operations excluded).
     *
     * @return the number of keys
     */
    public int keysChecked() {
        return keysChecked;
    }

    /**
     * Returns the number of operations checked: the OK and UNKNOWN ones.
     *
     * @return the number of operations
     */
    public int operationsChecked() {
        return operationsChecked;
    }

    /**
     * Returns how long the check took.
     *
     * @return the elapsed time
     */
    public Duration elapsed() {
        return elapsed;
    }

    /**
     * Returns a readable summary: the verdict, the counts and time, every violation in full and the
     * undecided keys with the reason each was given up.
     *
     * @return the multi-line explanation
     */
    public String explain() {
        StringBuilder text = new StringBuilder();
        text.append(verdict()).append(": ").append(operationsChecked).append(" operation(s) on ")
                .append(keysChecked).append(" key(s) checked in ").append(elapsed.toMillis()).append(" ms\n");
        violations.forEach(v -> text.append(v.describe()));
        if (!undecided.isEmpty()) {
            text.append(undecided.size()).append(" key(s) undecided, which is not a pass (time budget ")
                    .append(timeBudget.toMillis()).append(" ms):\n");
            undecided.stream().limit(SHOWN_UNDECIDED).forEach(p -> text.append("  key \"").append(p.key())
                    .append("\": ").append(p.undecidedReason()).append('\n'));
            if (undecided.size() > SHOWN_UNDECIDED) {
                text.append("  ... and ").append(undecided.size() - SHOWN_UNDECIDED).append(" more\n");
            }
        }
        return text.toString();
    }

    /**
     * Fails unless the history was proven linearizable; convenient in tests, where an
     * {@link Verdict#UNKNOWN} verdict must fail as surely as a violation.
     *
     * @return this result, when it is {@link Verdict#LINEARIZABLE}
     * @throws AssertionError with {@link #explain()} as message, if the verdict is anything else
     */
    public CheckResult<I, O> assertLinearizable() {
        if (!isLinearizable()) {
            throw new AssertionError(explain());
        }
        return this;
    }

    /** Returns {@link #explain()}. */
    @Override
    public String toString() {
        return explain();
    }
}
