package dev.raftkit.testkit.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The checker must agree with a deliberately simple reference, a brute-force search over every
 * order and every subset of unknown operations, on small random histories, some of whose unknown
 * operations have a known return time (they took effect before it or never). The histories use few
 * distinct values, so they are often not linearizable and contain interchangeable unknown
 * operations: this covers both verdicts and the search's reductions. Each failure names its seed.
 */
class LinearizabilityReferenceTest {

    private static final int SEEDS = 4000;
    private static final List<String> VALUES = List.of("a", "b");
    private static final KvRegisterModel<String> MODEL = new KvRegisterModel<>();

    @Test
    void agreesWithBruteForceOnSmallRandomHistories() {
        LinearizabilityChecker<KvInput<String>, KvOutput<String>> checker = LinearizabilityChecker.of(MODEL);
        int violated = 0;
        for (long seed = 0; seed < SEEDS; seed++) {
            List<Operation<KvInput<String>, KvOutput<String>>> history = randomHistory(new Random(seed));
            boolean expected = bruteForce(MODEL.initialState(), history.stream()
                    .filter(op -> op.outcome() != Outcome.FAIL).toList());
            CheckResult<KvInput<String>, KvOutput<String>> result = checker.check(history);

            assertThat(result.verdict()).as("seed %d%n%s%n%s", seed, history, result.explain())
                    .isEqualTo(expected ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE);
            violated += expected ? 0 : 1;
        }
        assertThat(violated).as("both verdicts are exercised").isBetween(SEEDS / 10, SEEDS * 9 / 10);
    }

    private static List<Operation<KvInput<String>, KvOutput<String>>> randomHistory(Random random) {
        int size = 1 + random.nextInt(8);
        List<Operation<KvInput<String>, KvOutput<String>>> history = new ArrayList<>(size);
        for (int id = 0; id < size; id++) {
            String value = VALUES.get(random.nextInt(VALUES.size()));
            String other = VALUES.get(random.nextInt(VALUES.size()));
            KvInput<String> input;
            KvOutput<String> output;
            switch (random.nextInt(4)) {
                case 0 -> {
                    input = KvInput.put(value);
                    output = KvOutput.ack();
                }
                case 1 -> {
                    input = KvInput.get();
                    output = random.nextInt(3) == 0 ? KvOutput.absent() : KvOutput.value(value);
                }
                case 2 -> {
                    input = KvInput.cas(value, other);
                    output = KvOutput.swapped(random.nextBoolean());
                }
                default -> {
                    input = KvInput.delete();
                    output = KvOutput.ack();
                }
            }
            long invoke = random.nextInt(10);
            long ret = invoke + random.nextInt(5);
            int roll = random.nextInt(10);
            Operation<KvInput<String>, KvOutput<String>> op = roll < 6
                    ? new Operation<>(id, id, "k", input, Optional.of(output), Outcome.OK, invoke, ret)
                    : roll < 8
                    ? new Operation<>(id, id, "k", input, Optional.empty(), Outcome.UNKNOWN, invoke, Operation.NEVER)
                    : roll < 9
                    ? new Operation<>(id, id, "k", input, Optional.empty(), Outcome.UNKNOWN, invoke, ret)
                    : new Operation<>(id, id, "k", input, Optional.empty(), Outcome.FAIL, invoke, ret);
            history.add(op);
        }
        return history;
    }

    /**
     * Tells whether the remaining operations can follow from {@code state}: some remaining operation
     * that no remaining acknowledged operation, nor unknown one with a known return, must precede is
     * applied next, or an unknown operation with a known return never happens; once every
     * acknowledged operation is placed the unknown ones left over never happen.
     */
    private static boolean bruteForce(KvRegisterModel.Register<String> state,
            List<Operation<KvInput<String>, KvOutput<String>>> remaining) {
        if (remaining.stream().noneMatch(op -> op.outcome() == Outcome.OK)) {
            return true;
        }
        for (Operation<KvInput<String>, KvOutput<String>> next : remaining) {
            if (next.outcome() == Outcome.UNKNOWN && next.returnTime() != Operation.NEVER) {
                List<Operation<KvInput<String>, KvOutput<String>>> rest = new ArrayList<>(remaining);
                rest.remove(next);
                if (bruteForce(state, rest)) {
                    return true; // it never happened
                }
            }
            boolean mayGoNext = remaining.stream()
                    .noneMatch(other -> other.returnTime() != Operation.NEVER && other.outcome() != Outcome.FAIL
                            && other.returnTime() < next.invokeTime());
            if (!mayGoNext) {
                continue;
            }
            Optional<KvRegisterModel.Register<String>> after =
                    MODEL.step(state, next.input(), next.output().orElse(KvOutput.unknown()));
            if (after.isPresent()) {
                List<Operation<KvInput<String>, KvOutput<String>>> rest = new ArrayList<>(remaining);
                rest.remove(next);
                if (bruteForce(after.get(), rest)) {
                    return true;
                }
            }
        }
        return false;
    }
}
