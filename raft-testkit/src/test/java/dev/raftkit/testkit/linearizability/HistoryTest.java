package dev.raftkit.testkit.linearizability;

import static dev.raftkit.testkit.linearizability.KvInput.get;
import static dev.raftkit.testkit.linearizability.KvInput.put;
import static dev.raftkit.testkit.linearizability.KvOutput.ack;
import static dev.raftkit.testkit.linearizability.KvOutput.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HistoryTest {

    private final ManualClock clock = new ManualClock();
    private final History<KvInput<String>, KvOutput<String>> history = new History<>(clock);

    private long invokeAt(long time, int process, String key, KvInput<String> input) {
        clock.set(time);
        return history.invoke(process, key, input);
    }

    @Test
    void recordsEachOutcomeWithItsTimes() {
        long a = invokeAt(10, 0, "x", put("a"));
        clock.set(20);
        history.ok(a, ack());
        long b = invokeAt(30, 1, "x", put("b"));
        clock.set(40);
        history.fail(b);
        long c = invokeAt(50, 2, "y", get());
        clock.set(60);
        history.unknown(c);
        long d = invokeAt(70, 3, "y", get());

        assertThat(history.operations()).containsExactly(
                new Operation<>(a, 0, "x", put("a"), Optional.of(ack()), Outcome.OK, 10, 20),
                new Operation<>(b, 1, "x", put("b"), Optional.empty(), Outcome.FAIL, 30, 40),
                new Operation<>(c, 2, "y", get(), Optional.empty(), Outcome.UNKNOWN, 50, Operation.NEVER),
                new Operation<>(d, 3, "y", get(), Optional.empty(), Outcome.UNKNOWN, 70, Operation.NEVER));
    }

    @Test
    void snapshotsDoNotChangeWhenRecordingContinues() {
        long a = invokeAt(1, 0, "x", get());
        List<Operation<KvInput<String>, KvOutput<String>>> before = history.operations();
        clock.set(2);
        history.ok(a, value("v"));

        assertThat(before).singleElement().extracting(Operation::outcome).isEqualTo(Outcome.UNKNOWN);
        assertThat(history.operations()).singleElement().extracting(Operation::outcome).isEqualTo(Outcome.OK);
        assertThatThrownBy(() -> before.add(before.get(0))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aProcessRunsOneOperationAtATime() {
        long first = invokeAt(1, 7, "x", get());
        assertThatThrownBy(() -> history.invoke(7, "y", get())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("process 7 already has operation #" + first + " in flight");
    }

    @Test
    void aProcessIsRetiredAfterAnUnknownOutcome() {
        long first = invokeAt(1, 7, "x", put("a"));
        history.unknown(first);
        assertThatThrownBy(() -> history.invoke(7, "x", get())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("process 7 is retired")
                .hasMessageContaining("#" + first)
                .hasMessageContaining("newProcess()");
    }

    @Test
    void aProcessContinuesAfterOkOrFail() {
        long first = invokeAt(1, 7, "x", put("a"));
        history.ok(first, ack());
        long second = invokeAt(2, 7, "x", put("b"));
        history.fail(second);
        invokeAt(3, 7, "x", get());
        assertThat(history.operations()).extracting(Operation::process).containsOnly(7);
    }

    @Test
    void newProcessIdsAreNeverUsedBefore() {
        assertThat(new History<>().newProcess()).isZero();
        invokeAt(1, 5, "x", get());
        assertThat(history.newProcess()).isEqualTo(6);
        assertThat(history.newProcess()).isEqualTo(7);
        invokeAt(2, 3, "x", get());
        assertThat(history.newProcess()).isEqualTo(8);
    }

    @Test
    void anOperationCompletesOnlyOnce() {
        long id = invokeAt(1, 0, "x", put("a"));
        history.unknown(id);
        assertThatThrownBy(() -> history.ok(id, ack())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("operation #" + id + " was already completed");
        assertThatThrownBy(() -> history.fail(id)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unknownOperationIdsAreRejected() {
        assertThatThrownBy(() -> history.ok(42, ack())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no operation #42");
    }

    @Test
    void aClockGoingBackwardsIsRejected() {
        long id = invokeAt(10, 0, "x", get());
        clock.set(9);
        assertThatThrownBy(() -> history.ok(id, value("v"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("clock went backwards from 10 to 9");
        clock.set(11);
        history.ok(id, value("v"));
        assertThat(history.operations()).singleElement().extracting(Operation::returnTime).isEqualTo(11L);
    }

    @Test
    void nullArgumentsAreRejected() {
        assertThatThrownBy(() -> new History<>(null)).isInstanceOf(NullPointerException.class).hasMessage("clock");
        assertThatThrownBy(() -> history.invoke(0, null, get())).isInstanceOf(NullPointerException.class)
                .hasMessage("key");
        assertThatThrownBy(() -> history.invoke(0, "x", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("input");
        long id = invokeAt(1, 0, "x", get());
        assertThatThrownBy(() -> history.ok(id, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("output");
    }

    @Test
    void concurrentClientsRecordConsistentHistories() throws Exception {
        History<KvInput<String>, KvOutput<String>> shared = new History<>();
        int clients = 4;
        int perClient = 500;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    int process = shared.newProcess();
                    for (int i = 0; i < perClient; i++) {
                        long id = shared.invoke(process, "k" + (i % 3), put(process + "-" + i));
                        shared.ok(id, ack());
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        List<Operation<KvInput<String>, KvOutput<String>>> all = shared.operations();
        assertThat(all).hasSize(clients * perClient).allMatch(op -> op.outcome() == Outcome.OK);
        assertThat(all).extracting(Operation::id).doesNotHaveDuplicates();
        Map<Integer, List<Operation<KvInput<String>, KvOutput<String>>>> byProcess =
                all.stream().collect(Collectors.groupingBy(Operation::process));
        assertThat(byProcess).hasSize(clients);
        byProcess.values().forEach(ops -> {
            ops.sort(Comparator.comparingLong(Operation::invokeTime));
            for (int i = 1; i < ops.size(); i++) {
                assertThat(ops.get(i).invokeTime()).as("one operation at a time per process")
                        .isGreaterThanOrEqualTo(ops.get(i - 1).returnTime());
            }
        });
    }
}
