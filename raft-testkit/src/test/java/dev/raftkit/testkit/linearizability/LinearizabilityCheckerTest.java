package dev.raftkit.testkit.linearizability;

import static dev.raftkit.testkit.linearizability.KvInput.cas;
import static dev.raftkit.testkit.linearizability.KvInput.delete;
import static dev.raftkit.testkit.linearizability.KvInput.get;
import static dev.raftkit.testkit.linearizability.KvInput.put;
import static dev.raftkit.testkit.linearizability.KvOutput.absent;
import static dev.raftkit.testkit.linearizability.KvOutput.ack;
import static dev.raftkit.testkit.linearizability.KvOutput.swapped;
import static dev.raftkit.testkit.linearizability.KvOutput.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

    private static final LinearizabilityChecker<KvInput<String>, KvOutput<String>> CHECKER =
            LinearizabilityChecker.of(new KvRegisterModel<String>());

    private final KvOps ops = new KvOps();

    private CheckResult<KvInput<String>, KvOutput<String>> assertLinearizable() {
        CheckResult<KvInput<String>, KvOutput<String>> result = CHECKER.check(ops.list());
        assertThat(result.verdict()).as(result.explain()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(result.violations()).isEmpty();
        return result;
    }

    private Violation<KvInput<String>, KvOutput<String>> assertViolated() {
        CheckResult<KvInput<String>, KvOutput<String>> result = CHECKER.check(ops.list());
        assertThat(result.verdict()).as(result.explain()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.isLinearizable()).isFalse();
        assertThat(result.violations()).hasSize(1);
        return result.violations().get(0);
    }

    @Nested
    class KnownGood {

        @Test
        void emptyHistory() {
            assertThat(assertLinearizable().keysChecked()).isZero();
        }

        @Test
        void sequentialPutGetDelete() {
            ops.ok("x", get(), absent(), 0, 1);
            ops.ok("x", put("a"), ack(), 2, 3);
            ops.ok("x", get(), value("a"), 4, 5);
            ops.ok("x", delete(), ack(), 6, 7);
            ops.ok("x", get(), absent(), 8, 9);
            assertThat(assertLinearizable().operationsChecked()).isEqualTo(5);
        }

        @Test
        void readsDuringAWriteMaySeeTheOldValueThenTheNew() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.ok("x", put("b"), ack(), 2, 10);
            ops.ok("x", get(), value("a"), 3, 4);
            ops.ok("x", get(), value("b"), 5, 6);
            ops.ok("x", get(), value("b"), 7, 8);
            assertLinearizable();
        }

        @Test
        void overlappingWritesMayTakeEffectInEitherOrder() {
            ops.ok("x", put("a"), ack(), 0, 10);
            ops.ok("x", put("b"), ack(), 1, 9);
            ops.ok("x", get(), value("a"), 11, 12);
            ops.ok("y", put("a"), ack(), 0, 10);
            ops.ok("y", put("b"), ack(), 1, 9);
            ops.ok("y", get(), value("b"), 11, 12);
            assertThat(assertLinearizable().keysChecked()).isEqualTo(2);
        }

        @Test
        void operationsThatShareAnInstantAreConcurrent() {
            ops.ok("x", put("a"), ack(), 0, 5);
            ops.ok("x", get(), absent(), 5, 6);
            assertLinearizable();
        }

        @Test
        void unknownWriteThatTookEffect() {
            ops.unknown("x", put("a"), 0);
            ops.ok("x", get(), value("a"), 10, 11);
            ops.ok("x", get(), value("a"), 12, 13);
            assertLinearizable();
        }

        @Test
        void unknownWriteThatNeverTookEffect() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.unknown("x", put("b"), 2);
            ops.ok("x", get(), value("a"), 3, 4);
            ops.ok("x", get(), value("a"), 100, 101);
            assertLinearizable();
        }

        @Test
        void unknownWriteMayTakeEffectLongAfterItsInvocation() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.unknown("x", put("b"), 2);
            ops.ok("x", get(), value("a"), 3, 4);
            ops.ok("x", get(), value("a"), 5, 6);
            ops.ok("x", get(), value("b"), 7, 8);
            ops.ok("x", get(), value("b"), 9, 10);
            assertLinearizable();
        }

        @Test
        void compareAndSet() {
            ops.ok("x", put("1"), ack(), 0, 1);
            ops.ok("x", cas("1", "2"), swapped(true), 2, 3);
            ops.ok("x", cas("1", "3"), swapped(false), 4, 5);
            ops.ok("x", get(), value("2"), 6, 7);
            ops.ok("y", cas("1", "2"), swapped(false), 0, 1);
            ops.ok("y", get(), absent(), 2, 3);
            assertLinearizable();
        }

        @Test
        void racingCompareAndSetsHaveOneWinner() {
            ops.ok("x", put("0"), ack(), 0, 1);
            ops.ok("x", cas("0", "1"), swapped(false), 2, 6);
            ops.ok("x", cas("0", "2"), swapped(true), 3, 5);
            ops.ok("x", get(), value("2"), 7, 8);
            assertLinearizable();
        }

        @Test
        void unknownCompareAndSetSeenApplied() {
            ops.ok("x", put("0"), ack(), 0, 1);
            ops.unknown("x", cas("0", "1"), 2);
            ops.ok("x", get(), value("0"), 3, 4);
            ops.ok("x", get(), value("1"), 5, 6);
            assertLinearizable();
        }

        @Test
        void identicalUnknownDeletesMayEachApplyOnce() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.unknown("x", delete(), 2);
            ops.unknown("x", delete(), 3);
            ops.ok("x", get(), absent(), 4, 5);
            ops.ok("x", put("b"), ack(), 6, 7);
            ops.ok("x", get(), absent(), 8, 9);
            assertLinearizable();
        }

        @Test
        void failedWriteNeverObserved() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.fail("x", put("b"), 2, 3);
            ops.ok("x", get(), value("a"), 4, 5);
            assertThat(assertLinearizable().operationsChecked()).isEqualTo(2);
        }

        @Test
        void readWithAnUnobservedResultConstrainsNothing() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.ok("x", get(), KvOutput.unknown(), 2, 3);
            ops.unknown("x", get(), 4);
            assertLinearizable();
        }

        @Test
        void keysAreCheckedIndependently() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.ok("y", get(), absent(), 2, 3);
            ops.ok("y", put("b"), ack(), 4, 5);
            ops.ok("x", get(), value("a"), 6, 7);
            ops.ok("y", get(), value("b"), 6, 7);
            assertLinearizable();
        }
    }

    @Nested
    class KnownBad {

        @Test
        void staleRead() {
            Operation<KvInput<String>, KvOutput<String>> first = ops.ok("x", put("a"), ack(), 0, 1);
            Operation<KvInput<String>, KvOutput<String>> second = ops.ok("x", put("b"), ack(), 2, 3);
            Operation<KvInput<String>, KvOutput<String>> stale = ops.ok("x", get(), value("a"), 4, 5);

            Violation<KvInput<String>, KvOutput<String>> violation = assertViolated();

            assertThat(violation.key()).isEqualTo("x");
            assertThat(violation.linearizedPrefix()).containsExactly(first, second);
            assertThat(violation.stateAfterPrefix()).isEqualTo("b");
            assertThat(violation.blockedOperation()).isEqualTo(stale);
            assertThat(violation.concurrentOperations()).isEmpty();
        }

        @Test
        void staleReadAfterAnotherReadSawTheNewValue() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.ok("x", put("b"), ack(), 2, 10);
            ops.ok("x", get(), value("b"), 3, 4);
            ops.ok("x", get(), value("a"), 5, 6);
            assertViolated();
        }

        @Test
        void lostWrite() {
            ops.ok("x", put("a"), ack(), 0, 1);
            Operation<KvInput<String>, KvOutput<String>> read = ops.ok("x", get(), absent(), 2, 3);
            assertThat(assertViolated().blockedOperation()).isEqualTo(read);
        }

        @Test
        void duplicateApplyOfCompareAndSet() {
            ops.ok("x", put("0"), ack(), 0, 1);
            ops.ok("x", cas("0", "1"), swapped(true), 2, 3);
            ops.ok("x", put("0"), ack(), 4, 5);
            ops.ok("x", get(), value("1"), 6, 7);
            assertViolated();
        }

        @Test
        void unknownOperationTakesEffectAtMostOnce() {
            ops.ok("x", put("0"), ack(), 0, 1);
            ops.unknown("x", cas("0", "1"), 2);
            ops.ok("x", get(), value("1"), 3, 4);
            ops.ok("x", put("0"), ack(), 5, 6);
            ops.ok("x", get(), value("1"), 7, 8);
            assertViolated();
        }

        @Test
        void identicalUnknownDeletesApplyAtMostOnceEach() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.unknown("x", delete(), 2);
            ops.unknown("x", delete(), 3);
            ops.ok("x", get(), absent(), 4, 5);
            ops.ok("x", put("b"), ack(), 6, 7);
            ops.ok("x", get(), absent(), 8, 9);
            ops.ok("x", put("c"), ack(), 10, 11);
            ops.ok("x", get(), absent(), 12, 13);
            assertViolated();
        }

        @Test
        void overwrittenWriteAppliedAgain() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.ok("x", put("b"), ack(), 2, 3);
            ops.ok("x", get(), value("b"), 4, 5);
            ops.ok("x", get(), value("a"), 6, 7);
            assertViolated();
        }

        @Test
        void readOfAValueNeverWritten() {
            ops.ok("x", put("a"), ack(), 0, 1);
            Operation<KvInput<String>, KvOutput<String>> read = ops.ok("x", get(), value("z"), 2, 3);
            Violation<KvInput<String>, KvOutput<String>> violation = assertViolated();
            assertThat(violation.blockedOperation()).isEqualTo(read);
            assertThat(violation.stateAfterPrefix()).isEqualTo("a");
        }

        @Test
        void failedWriteObserved() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.fail("x", put("b"), 2, 3);
            ops.ok("x", get(), value("b"), 4, 5);
            assertViolated();
        }

        @Test
        void failedWriteObservedWhileItWasInFlight() {
            ops.fail("x", put("b"), 0, 10);
            ops.ok("x", get(), value("b"), 1, 2);
            assertViolated();
        }

        @Test
        void compareAndSetClaimsSuccessOnMismatch() {
            ops.ok("x", put("1"), ack(), 0, 1);
            ops.ok("x", cas("2", "3"), swapped(true), 2, 3);
            assertViolated();
        }

        @Test
        void compareAndSetClaimsFailureOnMatch() {
            ops.ok("x", put("1"), ack(), 0, 1);
            ops.ok("x", cas("1", "3"), swapped(false), 2, 3);
            assertViolated();
        }

        @Test
        void readsGoBackwardsDuringAWrite() {
            ops.ok("x", put("a"), ack(), 0, 10);
            ops.ok("x", get(), value("a"), 1, 2);
            ops.ok("x", get(), absent(), 3, 4);
            assertViolated();
        }

        @Test
        void readStrictlyAfterAWriteMustSeeIt() {
            ops.ok("x", put("a"), ack(), 0, 5);
            ops.ok("x", get(), absent(), 6, 7);
            assertViolated();
        }

        @Test
        void deleteIgnored() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.ok("x", delete(), ack(), 2, 3);
            ops.ok("x", get(), value("a"), 4, 5);
            assertViolated();
        }

        @Test
        void everyViolatedKeyIsReportedInKeyOrder() {
            ops.ok("b", put("1"), ack(), 0, 1);
            ops.ok("b", get(), absent(), 2, 3);
            ops.ok("m", put("1"), ack(), 0, 1);
            ops.ok("m", get(), value("1"), 2, 3);
            ops.ok("a", put("1"), ack(), 0, 1);
            ops.ok("a", get(), value("2"), 2, 3);

            CheckResult<KvInput<String>, KvOutput<String>> result = CHECKER.check(ops.list());

            assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(result.violations()).extracting(Violation::key).containsExactly("a", "b");
            assertThat(result.keysChecked()).isEqualTo(3);
        }
    }

    @Nested
    class Report {

        @Test
        void explainNamesTheKeyThePrefixAndTheBlockedOperation() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.ok("x", put("b"), ack(), 2, 3);
            Operation<KvInput<String>, KvOutput<String>> stale = ops.ok("x", get(), value("a"), 4, 5);

            String text = CHECKER.check(ops.list()).explain();

            assertThat(text).startsWith("NOT_LINEARIZABLE: 3 operation(s) on 1 key(s)")
                    .contains("key \"x\" is not linearizable")
                    .contains("1. #0 p0 \"x\" put(a) -> ok [0, 1]")
                    .contains("2. #1 p1 \"x\" put(b) -> ok [2, 3]")
                    .contains("State after the prefix: b")
                    .contains("First operation that could not be linearized: " + stale)
                    .contains("#2 p2 \"x\" get() -> a [4, 5]");
        }

        @Test
        void operationsPendingBesideTheBlockedOneAreListed() {
            ops.ok("x", put("a"), ack(), 0, 1);
            Operation<KvInput<String>, KvOutput<String>> read = ops.ok("x", get(), value("b"), 2, 5);
            Operation<KvInput<String>, KvOutput<String>> swap = ops.ok("x", cas("z", "w"), swapped(true), 3, 4);

            Violation<KvInput<String>, KvOutput<String>> violation = assertViolated();

            assertThat(violation.blockedOperation()).isEqualTo(swap);
            assertThat(violation.concurrentOperations()).containsExactly(read);
            assertThat(violation.describe()).contains("Operations pending beside it: 1\n    " + read);
        }

        @Test
        void unknownOperationsPrintWithoutAReturnTime() {
            Operation<KvInput<String>, KvOutput<String>> op = ops.unknown("x", put("a"), 7);
            assertThat(op).hasToString("#0 p0 \"x\" put(a) unknown [7, never]");
        }
    }

    @Nested
    class TimeBudgetAndParallelism {

        @Test
        void exhaustedBudgetLeavesKeysUndecidedAndIsNotAPass() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.ok("y", put("a"), ack(), 0, 1);
            for (int threads : new int[] {1, 2}) {
                CheckResult<KvInput<String>, KvOutput<String>> result =
                        CHECKER.withTimeBudget(Duration.ZERO).withParallelism(threads).check(ops.list());

                assertThat(result.verdict()).as("parallelism %d", threads).isEqualTo(Verdict.UNKNOWN);
                assertThat(result.isLinearizable()).isFalse();
                assertThat(result.undecidedKeys()).containsExactly("x", "y");
                assertThatThrownBy(result::assertLinearizable).isInstanceOf(AssertionError.class)
                        .hasMessageContaining("UNKNOWN").hasMessageContaining("not a pass")
                        .hasMessageContaining("key \"x\": the time budget ran out");
            }
        }

        @Test
        void interruptedCheckStopsUndecidedAndKeepsTheInterrupt() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.ok("y", put("a"), ack(), 0, 1);
            for (int threads : new int[] {1, 2}) {
                Thread.currentThread().interrupt();
                CheckResult<KvInput<String>, KvOutput<String>> result;
                try {
                    result = CHECKER.withParallelism(threads).check(ops.list());
                } finally {
                    assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
                }
                assertThat(result.verdict()).as("parallelism %d", threads).isEqualTo(Verdict.UNKNOWN);
                assertThat(result.explain()).contains("key \"x\": the checking thread was interrupted");
            }
        }

        @Test
        void violationOutranksUndecidedKeys() {
            ops.ok("x", put("a"), ack(), 0, 1);
            ops.ok("x", get(), absent(), 2, 3);
            CheckResult<KvInput<String>, KvOutput<String>> sequential = CHECKER.check(ops.list());
            assertThat(sequential.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThatThrownBy(sequential::assertLinearizable).hasMessageContaining("key \"x\" is not linearizable");
        }

        @Test
        void parallelCheckAgreesWithSequentialCheck() {
            for (int k = 0; k < 20; k++) {
                String key = "k" + k;
                ops.ok(key, put("a"), ack(), 0, 3);
                ops.ok(key, put("b"), ack(), 1, 2);
                ops.ok(key, get(), k == 13 ? absent() : value("a"), 4, 5);
            }
            CheckResult<KvInput<String>, KvOutput<String>> parallel = CHECKER.withParallelism(4).check(ops.list());
            CheckResult<KvInput<String>, KvOutput<String>> sequential = CHECKER.check(ops.list());

            assertThat(parallel.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(parallel.violations()).isEqualTo(sequential.violations());
            assertThat(parallel.violations()).extracting(Violation::key).containsExactly("k13");
            assertThat(parallel.keysChecked()).isEqualTo(20);
        }

        @Test
        void invalidSettingsAreRejected() {
            assertThatThrownBy(() -> CHECKER.withTimeBudget(Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("time budget");
            assertThatThrownBy(() -> CHECKER.withParallelism(0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parallelism");
        }
    }

    @Nested
    class BadInput {

        @Test
        void outputThatCannotAnswerTheInputIsReported() {
            ops.ok("x", get(), ack(), 0, 1);
            assertThatThrownBy(() -> CHECKER.check(ops.list())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("output 'ok' cannot answer get()");
        }

        @Test
        void duplicateOperationIdsAreRejected() {
            Operation<KvInput<String>, KvOutput<String>> op = ops.ok("x", put("a"), ack(), 0, 1);
            assertThatThrownBy(() -> CHECKER.check(List.of(op, op))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("share the id 0");
        }

        @Test
        void inconsistentOperationsCannotBeBuilt() {
            assertThatThrownBy(() -> new Operation<>(1, 0, "x", put("a"), Optional.<KvOutput<String>>empty(),
                    Outcome.OK, 0, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("output");
            assertThatThrownBy(() -> new Operation<>(1, 0, "x", put("a"), Optional.of(ack()), Outcome.OK, 5, 4))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("before invoke time");
            assertThatThrownBy(() -> new Operation<>(1, 0, "x", put("a"), Optional.<KvOutput<String>>empty(),
                    Outcome.FAIL, 0, Operation.NEVER)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Operation.NEVER");
            assertThatThrownBy(() -> new Operation<>(1, 0, "x", put("a"), Optional.<KvOutput<String>>empty(),
                    Outcome.UNKNOWN, 5, 4)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("before invoke time");
        }
    }

    @Nested
    class RecordedHistories {

        private final ManualClock clock = new ManualClock();
        private final History<KvInput<String>, KvOutput<String>> history = new History<>(clock);

        private long invoke(long time, int process, KvInput<String> input) {
            clock.set(time);
            return history.invoke(process, "x", input);
        }

        private void ok(long time, long id, KvOutput<String> output) {
            clock.set(time);
            history.ok(id, output);
        }

        @Test
        void invocationNeverCompletedMayHaveTakenEffect() {
            long write = invoke(0, 0, put("a"));
            long read = invoke(1, 1, get());
            ok(2, read, value("a"));
            assertThat(history.operations()).filteredOn(op -> op.id() == write)
                    .extracting(Operation::outcome).containsExactly(Outcome.UNKNOWN);
            CHECKER.check(history).assertLinearizable();
        }

        @Test
        void observedFailedWriteIsCaught() {
            long write = invoke(0, 0, put("a"));
            clock.set(1);
            history.fail(write);
            long read = invoke(2, 1, get());
            ok(3, read, value("a"));
            assertThat(CHECKER.check(history).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        }
    }

    @Nested
    class CustomModel {

        private final LinearizabilityChecker<String, String> counter = LinearizabilityChecker.of(new CounterModel());
        private final List<Operation<String, String>> history = new ArrayList<>();
        private int nextId;

        private void ok(String input, String output, long invoke, long ret) {
            history.add(new Operation<>(nextId, nextId++, "c", input, Optional.of(output), Outcome.OK, invoke, ret));
        }

        private void unknown(String input, long invoke) {
            history.add(new Operation<>(nextId, nextId++, "c", input, Optional.empty(), Outcome.UNKNOWN, invoke,
                    Operation.NEVER));
        }

        @Test
        void incrementAppliedOnce() {
            ok("add", "ok", 0, 1);
            ok("read", "1", 2, 3);
            counter.check(history).assertLinearizable();
        }

        @Test
        void incrementAppliedTwiceIsCaught() {
            ok("add", "ok", 0, 1);
            ok("read", "2", 2, 3);
            assertThat(counter.check(history).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        }

        @Test
        void unknownIncrementAppliesAtMostOnce() {
            unknown("add", 0);
            ok("read", "1", 2, 3);
            ok("read", "2", 4, 5);
            assertThat(counter.check(history).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        }

        @Test
        void twoUnknownIncrementsMayBothApply() {
            unknown("add", 0);
            unknown("add", 1);
            ok("read", "1", 2, 3);
            ok("read", "2", 4, 5);
            counter.check(history).assertLinearizable();
        }
    }

    /**
     * A counter: {@code add} increments and answers {@code ok}, {@code read} answers the count, and
     * {@code ?} is the unobserved output. Increments are not idempotent, so applying one twice shows.
     */
    private static final class CounterModel implements Model<Long, String, String> {

        @Override
        public Long initialState() {
            return 0L;
        }

        @Override
        public Optional<Long> step(Long state, String input, String output) {
            if (input.equals("add")) {
                return Optional.of(state + 1);
            }
            return output.equals("?") || output.equals(state.toString()) ? Optional.of(state) : Optional.empty();
        }

        @Override
        public String unknownOutput() {
            return "?";
        }
    }
}
