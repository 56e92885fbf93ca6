package dev.raftkit.testkit.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.testkit.linearizability.RandomKvHistories.Planned;
import dev.raftkit.testkit.linearizability.RandomKvHistories.Settings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A sanity check that histories of the size a simulation run or a cluster test produces are
 * decided well within a generous budget. It prints the time taken; the only bound is the checker's
 * own time budget, which makes an over-long check end {@link Verdict#UNKNOWN} and fail.
 */
class LinearizabilityPerformanceTest {

    private static final Duration GENEROUS_BUDGET = Duration.ofSeconds(30);
    private static final long SEED = 20261126L;

    @Test
    void fewThousandOperationsOverManyKeys() {
        checkAndReport("5000 ops, 100 keys, 16 clients", new Settings(5000, 100, 16, 0.02, 0.02, 10, false));
    }

    @Test
    void fewThousandOperationsOnAFewHotKeys() {
        checkAndReport("3000 ops, 5 keys, 8 clients", new Settings(3000, 5, 8, 0.01, 0.02, 10, false));
    }

    @Test
    void violationAmidUnknownOutcomesIsDecided() {
        Settings settings = new Settings(400, 1, 5, 0.1, 0.02, 10, false);
        for (long seed = SEED; seed < SEED + 3; seed++) {
            List<Planned> plan = RandomKvHistories.plan(seed, settings);
            List<Planned> reads = plan.stream()
                    .filter(p -> p.outcome == Outcome.OK && p.input instanceof KvInput.Get).toList();
            reads.get(reads.size() * 9 / 10).output = KvOutput.value("never written");
            CheckResult<KvInput<String>, KvOutput<String>> result = LinearizabilityChecker
                    .of(new KvRegisterModel<String>()).withTimeBudget(GENEROUS_BUDGET)
                    .check(RandomKvHistories.record(seed, plan));
            System.out.printf("violation late in 400 ops on one key, 5 clients, 10%% unknown, seed %d: %d ms%n",
                    seed, result.elapsed().toMillis());
            assertThat(result.verdict()).as("seed %d%n%s", seed, result.explain()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        }
    }

    private static void checkAndReport(String label, Settings settings) {
        History<KvInput<String>, KvOutput<String>> history =
                RandomKvHistories.record(SEED, RandomKvHistories.plan(SEED, settings));
        for (int threads : new int[] {1, 2}) {
            CheckResult<KvInput<String>, KvOutput<String>> result = LinearizabilityChecker
                    .of(new KvRegisterModel<String>()).withTimeBudget(GENEROUS_BUDGET).withParallelism(threads)
                    .check(history);
            System.out.printf("linearizability check of %s, parallelism %d: %d ms (%d operations checked)%n",
                    label, threads, result.elapsed().toMillis(), result.operationsChecked());
            assertThat(result.verdict()).as("seed %d, parallelism %d%n%s", SEED, threads, result.explain())
                    .isEqualTo(Verdict.LINEARIZABLE);
        }
    }
}
