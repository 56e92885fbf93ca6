package dev.raftkit.testkit.linearizability;

import static dev.raftkit.testkit.linearizability.KvInput.cas;
import static dev.raftkit.testkit.linearizability.KvInput.get;
import static dev.raftkit.testkit.linearizability.KvInput.put;
import static dev.raftkit.testkit.linearizability.KvOutput.absent;
import static dev.raftkit.testkit.linearizability.KvOutput.ack;
import static dev.raftkit.testkit.linearizability.KvOutput.swapped;
import static dev.raftkit.testkit.linearizability.KvOutput.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The checker on histories as a user replays them: operations whose outcome is unknown but whose
 * return time is known, logs with their own timestamps, answers that report a "failure" of the
 * operation's logic, and the shortest violated prefix of a history.
 */
class KnownReturnAndReplayTest {

    private static final LinearizabilityChecker<KvInput<String>, KvOutput<String>> CHECKER =
            LinearizabilityChecker.of(new KvRegisterModel<String>());

    private final History<KvInput<String>, KvOutput<String>> history = new History<>();

    private Verdict verdict() {
        return CHECKER.check(history).verdict();
    }

    @Test
    void anUnknownWriteWithAKnownReturnCannotTakeEffectAfterIt() {
        long a = history.invoke(0, "x", put("a"), 0);
        history.unknownUntil(a, 10);
        long b = history.invoke(1, "x", put("b"), 12);
        history.ok(b, ack(), 14);
        long read = history.invoke(2, "x", get(), 20);
        history.ok(read, value("a"), 30);

        assertThat(verdict()).as("put(a) had to happen by 10, before put(b)").isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void theSameWriteWithoutAReturnMayTakeEffectLater() {
        long a = history.invoke(0, "x", put("a"), 0);
        history.unknown(a);
        long b = history.invoke(1, "x", put("b"), 12);
        history.ok(b, ack(), 14);
        long read = history.invoke(2, "x", get(), 20);
        history.ok(read, value("a"), 30);

        assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void anUnknownWriteWithAKnownReturnTookEffectWithinItOrNever() {
        long a = history.invoke(0, "x", put("a"), 0);
        history.unknownUntil(a, 10);
        long during = history.invoke(1, "x", get(), 5);
        history.ok(during, value("a"), 8);
        assertThat(verdict()).as("took effect at 5..8").isEqualTo(Verdict.LINEARIZABLE);

        History<KvInput<String>, KvOutput<String>> never = new History<>();
        long w = never.invoke(0, "x", put("a"), 0);
        never.unknownUntil(w, 10);
        long after = never.invoke(1, "x", get(), 20);
        never.ok(after, absent(), 30);
        assertThat(CHECKER.check(never).verdict()).as("never took effect").isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aTimedOutReadIsRecordedWithItsReturnAndItsProcessGoesOn() {
        long read = history.invoke(0, "x", get());
        history.unknownUntilNow(read);
        long next = history.invoke(0, "x", put("a"));
        history.ok(next, ack());

        Operation<KvInput<String>, KvOutput<String>> timedOut = history.operations().get(0);
        assertThat(timedOut.outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThat(timedOut.returnTime()).isNotEqualTo(Operation.NEVER).isGreaterThanOrEqualTo(timedOut.invokeTime());
        assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);

        long write = history.invoke(1, "x", put("b"));
        history.unknown(write);
        assertThatThrownBy(() -> history.invoke(1, "x", get())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("retired");
    }

    @Test
    void aReplayedLogKeepsItsOwnTimesInAnyOrder() {
        // The log lists client 1's operation before client 0's, which happened earlier.
        long read = history.invoke(1, "x", get(), 50);
        history.ok(read, absent(), 60);
        long write = history.invoke(0, "x", put("a"), 10);
        history.ok(write, ack(), 20);

        assertThat(history.operations()).extracting(Operation::invokeTime, Operation::returnTime)
                .containsExactly(tuple(50L, 60L),
                        tuple(10L, 20L));
        assertThat(verdict()).as("the read began after the write returned").isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void givenTimesAreChecked() {
        long op = history.invoke(0, "x", put("a"), 100);
        assertThatThrownBy(() -> history.ok(op, ack(), 99)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("before invoke time");
        assertThatThrownBy(() -> history.unknownUntil(op, Operation.NEVER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown(id)");
        assertThatThrownBy(() -> history.invoke(1, "x", get(), Operation.NEVER))
                .isInstanceOf(IllegalArgumentException.class);

        history.ok(op, ack(), 101); // a rejected completion left the operation in flight
        assertThat(history.operations()).singleElement().extracting(Operation::outcome).isEqualTo(Outcome.OK);
    }

    @Test
    void aCompareAndSetThatSawAnotherValueIsAnOkOperationWithThatAnswer() {
        long a = history.invoke(0, "x", put("a"), 0);
        history.ok(a, ack(), 1);
        long swap = history.invoke(0, "x", cas("a", "b"), 2);
        history.ok(swap, swapped(false), 3);
        assertThat(verdict()).as("the CAS read a, so it must have swapped").isEqualTo(Verdict.NOT_LINEARIZABLE);

        History<KvInput<String>, KvOutput<String>> asFailed = new History<>();
        long w = asFailed.invoke(0, "x", put("a"), 0);
        asFailed.ok(w, ack(), 1);
        long c = asFailed.invoke(0, "x", cas("a", "b"), 2);
        asFailed.fail(c, 3);
        assertThat(CHECKER.check(asFailed).verdict()).as("recorded as FAIL, the wrong answer goes unseen")
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void theShortestViolatedPrefixEndsAtTheFirstReturnThatCannotBeExplained() {
        long t = 0;
        for (int i = 0; i < 5; i++) {
            long w = history.invoke(0, "x", put("v" + i), t);
            history.ok(w, ack(), t + 2);
            long r = history.invoke(0, "x", get(), t + 3);
            history.ok(r, value("v" + i), t + 4);
            t += 10;
        }
        long pending = history.invoke(1, "x", put("p"), t);     // still running at the violation
        long stale = history.invoke(0, "x", get(), t + 1);
        history.ok(stale, value("v1"), t + 2);                   // stale: v4 was written last
        history.ok(pending, ack(), t + 5);
        long later = history.invoke(0, "x", get(), t + 10);
        history.ok(later, value("p"), t + 11);
        long otherKey = history.invoke(2, "y", get(), 0);
        history.ok(otherKey, absent(), 1);

        List<Operation<KvInput<String>, KvOutput<String>>> prefix = CHECKER.shortestViolatedPrefix(
                history.operations());

        assertThat(prefix).extracting(Operation::id).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L,
                pending, stale);
        assertThat(prefix).filteredOn(op -> op.id() == pending).singleElement()
                .extracting(Operation::outcome).isEqualTo(Outcome.UNKNOWN);
        assertThat(CHECKER.check(prefix).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(CHECKER.check(prefix.subList(0, prefix.size() - 1)).verdict()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(CHECKER.shortestViolatedPrefix(prefix.subList(0, 10))).as("linearizable: nothing").isEmpty();
    }
}
