package dev.raftkit.testkit.linearizability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Checks whether a recorded {@link History} is linearizable with respect to a {@link Model}, using
 * the Wing–Gong–Lowe search with Lowe's memoization.
 *
 * <p>The history is split by key and every key is checked on its own, which is sound when each
 * operation touches one key (P-compositionality). {@link Outcome#FAIL} operations are dropped;
 * {@link Outcome#UNKNOWN} ones may take effect at any time after their invocation, or never.
 *
 * <pre>{@code
 * History<KvInput<String>, KvOutput<String>> history = new History<>(simulator::now);
 * // ... clients record invoke / ok / fail / unknown while the workload runs ...
 * LinearizabilityChecker<KvInput<String>, KvOutput<String>> checker =
 *         LinearizabilityChecker.of(new KvRegisterModel<String>())
 *                 .withTimeBudget(Duration.ofSeconds(30))
 *                 .withParallelism(2);
 * CheckResult<KvInput<String>, KvOutput<String>> result = checker.check(history);
 * result.assertLinearizable();   // throws with result.explain() on NOT_LINEARIZABLE and on UNKNOWN
 * }</pre>
 *
 * <p>The result is {@link Verdict#UNKNOWN} when the time budget runs out first, or a key's search
 * reaches its memory bound (about 512 MB). That proves nothing: <b>callers must treat UNKNOWN as a
 * failure</b>, and keep per-key histories small so that it does not happen. The search is
 * exponential in the number of mutually concurrent operations on one key, and every unknown
 * outcome stays concurrent with everything after it. As a guide, with a few hundred operations,
 * up to about five concurrent clients and up to a tenth of unknown outcomes per key, both
 * linearizable and violated histories are decided within seconds; sixteen clients hammering one
 * key are not. Rotate keys, cap clients per key, and write unique values.
 *
 * <p>A checker is immutable and thread-safe; the {@code with*} methods return modified copies.
 * With parallelism 1 (the default) everything runs on the calling thread and the result does not
 * depend on scheduling, which suits a deterministic simulator.
 *
 * @param <I> the input type of the model
 * @param <O> the output type of the model
 */
public final class LinearizabilityChecker<I, O> {

    /** The default time budget of one {@link #check}. */
    public static final Duration DEFAULT_TIME_BUDGET = Duration.ofSeconds(60);

    private static final String INTERRUPTED = "the checking thread was interrupted";
    private static final String TIME_UP = "the time budget ran out";

    private final Model<?, I, O> model;
    private final Duration timeBudget;
    private final int parallelism;

    private LinearizabilityChecker(Model<?, I, O> model, Duration timeBudget, int parallelism) {
        this.model = model;
        this.timeBudget = timeBudget;
        this.parallelism = parallelism;
    }

    /**
     * Returns a checker for {@code model} with the {@link #DEFAULT_TIME_BUDGET} and parallelism 1.
     *
     * @param model the sequential specification of one key
     * @param <S> the state type of the model
     * @param <I> the input type of the model
     * @param <O> the output type of the model
     * @return the checker
     * @throws NullPointerException if {@code model} is null
     */
    public static <S, I, O> LinearizabilityChecker<I, O> of(Model<S, I, O> model) {
        return new LinearizabilityChecker<>(Objects.requireNonNull(model, "model"), DEFAULT_TIME_BUDGET, 1);
    }

    /**
     * Returns a copy with another time budget for each {@link #check} as a whole. When it runs out,
     * keys not decided yet are reported undecided and the verdict is {@link Verdict#UNKNOWN} (unless
     * a violation was found).
     *
     * @param budget zero or positive
     * @return the modified checker
     * @throws IllegalArgumentException if {@code budget} is negative
     */
    public LinearizabilityChecker<I, O> withTimeBudget(Duration budget) {
        Objects.requireNonNull(budget, "budget");
        if (budget.isNegative()) {
            throw new IllegalArgumentException("time budget must not be negative, got " + budget);
        }
        return new LinearizabilityChecker<>(model, budget, parallelism);
    }

    /**
     * Returns a copy that checks up to {@code threads} keys at once on a pool it creates for each
     * check and shuts down afterwards.
     *
     * @param threads at least 1; 1 runs everything on the calling thread
     * @return the modified checker
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public LinearizabilityChecker<I, O> withParallelism(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + threads);
        }
        return new LinearizabilityChecker<>(model, timeBudget, threads);
    }

    /**
     * Checks a snapshot of {@code history}; operations still in flight count as unknown.
     *
     * @param history the recorded history
     * @return the result; only {@link Verdict#LINEARIZABLE} is a pass
     * @throws IllegalArgumentException if the model rejects an output as impossible for its input
     */
    public CheckResult<I, O> check(History<I, O> history) {
        return check(history.operations());
    }

    /**
     * Checks a list of operations, for example one logged outside a {@link History}. If the calling
     * thread is interrupted, the check stops early with undecided keys and the interrupt status is
     * kept.
     *
     * @param operations the operations, with distinct ids
     * @return the result; only {@link Verdict#LINEARIZABLE} is a pass
     * @throws IllegalArgumentException if two operations share an id, or the model rejects an output
     *     as impossible for its input
     */
    public CheckResult<I, O> check(Collection<Operation<I, O>> operations) {
        long start = System.nanoTime();
        Map<String, List<Operation<I, O>>> partitions = partitionByKey(operations);
        long budgetNanos = saturatedNanos(timeBudget);
        Supplier<Optional<String>> stopReason = () -> Thread.currentThread().isInterrupted() ? Optional.of(INTERRUPTED)
                : System.nanoTime() - start >= budgetNanos ? Optional.of(TIME_UP) : Optional.empty();
        List<PartitionSearch<?, I, O>> searches = new ArrayList<>(partitions.size());
        partitions.forEach((key, ops) -> searches.add(newSearch(model, key, ops, stopReason)));
        List<PartitionResult<I, O>> results = parallelism == 1 || searches.size() <= 1
                ? searches.stream().map(PartitionSearch::run).toList()
                : runInParallel(searches);
        int checked = partitions.values().stream().mapToInt(List::size).sum();
        return new CheckResult<>(results, checked, Duration.ofNanos(System.nanoTime() - start), timeBudget);
    }

    /**
     * Shrinks a violated history to the shortest prefix in time that is still violated, to read
     * what went wrong: the operations of the first violated key invoked up to the earliest moment
     * T at which the history recorded so far is already not linearizable. An operation still
     * running at T is shown as it was then, unknown (it may take effect later or never); an
     * operation invoked after T is left out; failed operations are left out. Cutting a history at
     * a moment never turns a linearizable history into a violated one, so the prefix is a real
     * violation, found with a binary search over return times (a few checks).
     *
     * @param operations the history, for example {@link History#operations()}
     * @return the prefix's operations in invocation order; empty if the history is not violated
     *     (linearizable, or undecided within the time budget)
     * @throws IllegalArgumentException as {@link #check(Collection)}
     */
    public List<Operation<I, O>> shortestViolatedPrefix(Collection<Operation<I, O>> operations) {
        List<Violation<I, O>> violations = check(operations).violations();
        if (violations.isEmpty()) {
            return List.of();
        }
        String key = violations.get(0).key();
        List<Operation<I, O>> ofKey = operations.stream()
                .filter(op -> op.key().equals(key) && op.outcome() != Outcome.FAIL)
                .sorted(Comparator.comparingLong(Operation<I, O>::invokeTime).thenComparingLong(Operation::id))
                .toList();
        long[] cuts = ofKey.stream().mapToLong(Operation::returnTime).filter(t -> t != Operation.NEVER)
                .sorted().distinct().toArray();
        // The history cut at its last return is violated: operations invoked later are unknown and
        // can explain nothing earlier. Find the first cut that is violated.
        int low = 0;
        int high = cuts.length - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (check(cutAt(ofKey, cuts[middle])).verdict() == Verdict.NOT_LINEARIZABLE) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        return cuts.length == 0 ? ofKey : cutAt(ofKey, cuts[low]);
    }

    /** Returns the history as it stood at {@code time}: operations still running then become unknown. */
    private static <I, O> List<Operation<I, O>> cutAt(List<Operation<I, O>> operations, long time) {
        List<Operation<I, O>> prefix = new ArrayList<>();
        for (Operation<I, O> op : operations) {
            if (op.invokeTime() > time) {
                continue;
            }
            prefix.add(op.returnTime() <= time ? op : new Operation<>(op.id(), op.process(), op.key(), op.input(),
                    Optional.empty(), Outcome.UNKNOWN, op.invokeTime(), Operation.NEVER));
        }
        return prefix;
    }

    private static <I, O> Map<String, List<Operation<I, O>>> partitionByKey(Collection<Operation<I, O>> operations) {
        Map<String, List<Operation<I, O>>> partitions = new TreeMap<>();
        Set<Long> ids = new HashSet<>();
        for (Operation<I, O> op : operations) {
            if (!ids.add(op.id())) {
                throw new IllegalArgumentException("two operations share the id " + op.id());
            }
            if (op.outcome() != Outcome.FAIL) {
                partitions.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
            }
        }
        return partitions;
    }

    private static <S, I, O> PartitionSearch<S, I, O> newSearch(Model<S, I, O> model, String key,
            List<Operation<I, O>> operations, Supplier<Optional<String>> stopReason) {
        return new PartitionSearch<>(model, key, operations, stopReason);
    }

    private List<PartitionResult<I, O>> runInParallel(List<PartitionSearch<?, I, O>> searches) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, searches.size()), task -> {
            Thread thread = new Thread(task, "linearizability-checker");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<PartitionResult<I, O>>> futures = new ArrayList<>(searches.size());
            searches.forEach(search -> futures.add(pool.submit(search::run)));
            List<PartitionResult<I, O>> results = new ArrayList<>(searches.size());
            for (int i = 0; i < futures.size(); i++) {
                results.add(await(futures.get(i), searches.get(i).key()));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static <I, O> PartitionResult<I, O> await(Future<PartitionResult<I, O>> future, String key) {
        if (Thread.currentThread().isInterrupted()) {
            return PartitionResult.undecided(key, INTERRUPTED);
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return PartitionResult.undecided(key, INTERRUPTED);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("checking key \"" + key + "\" failed", e.getCause());
        }
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
