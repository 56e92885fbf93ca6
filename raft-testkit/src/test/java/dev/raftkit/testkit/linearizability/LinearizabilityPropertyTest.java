package dev.raftkit.testkit.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.testkit.linearizability.RandomKvHistories.Planned;
import dev.raftkit.testkit.linearizability.RandomKvHistories.Settings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Seeded random histories: those of a store that is linearizable by construction must pass, and a
 * stale read injected into a strictly sequential history must be caught. Every assertion message
 * names its seed; the generator is deterministic, so a seed reproduces its history exactly.
 */
class LinearizabilityPropertyTest {

    private static final int SEEDS = 300;
    private static final LinearizabilityChecker<KvInput<String>, KvOutput<String>> CHECKER =
            LinearizabilityChecker.of(new KvRegisterModel<String>()).withTimeBudget(Duration.ofSeconds(20));

    @Test
    void randomSequentialHistoriesAreLinearizable() {
        Settings settings = new Settings(60, 3, 4, 0.1, 0.1, 5, true);
        for (long seed = 0; seed < SEEDS; seed++) {
            CheckResult<KvInput<String>, KvOutput<String>> result =
                    CHECKER.check(RandomKvHistories.record(seed, RandomKvHistories.plan(seed, settings)));
            assertThat(result.verdict()).as("seed %d%n%s", seed, result.explain()).isEqualTo(Verdict.LINEARIZABLE);
        }
    }

    @Test
    void randomConcurrentHistoriesOfALinearizableStoreAreLinearizable() {
        Settings settings = new Settings(80, 2, 5, 0.05, 0.05, 6, false);
        for (long seed = 0; seed < SEEDS; seed++) {
            CheckResult<KvInput<String>, KvOutput<String>> result =
                    CHECKER.check(RandomKvHistories.record(seed, RandomKvHistories.plan(seed, settings)));
            assertThat(result.verdict()).as("seed %d%n%s", seed, result.explain()).isEqualTo(Verdict.LINEARIZABLE);
        }
    }

    @Test
    void randomConcurrentHistoriesWithManyUnknownOutcomesAreLinearizable() {
        Settings settings = new Settings(60, 2, 4, 0.3, 0.05, 6, false);
        for (long seed = 0; seed < SEEDS; seed++) {
            CheckResult<KvInput<String>, KvOutput<String>> result =
                    CHECKER.check(RandomKvHistories.record(seed, RandomKvHistories.plan(seed, settings)));
            assertThat(result.verdict()).as("seed %d%n%s", seed, result.explain()).isEqualTo(Verdict.LINEARIZABLE);
        }
    }

    @Test
    void staleReadInjectedIntoASequentialHistoryIsAlwaysCaught() {
        Settings settings = new Settings(60, 3, 4, 0, 0, 5, true);
        for (long seed = 0; seed < SEEDS; seed++) {
            List<Planned> plan = RandomKvHistories.plan(seed, settings);
            Planned stale = RandomKvHistories.injectStaleRead(seed, plan);
            CheckResult<KvInput<String>, KvOutput<String>> result = CHECKER.check(RandomKvHistories.record(seed, plan));

            assertThat(result.verdict()).as("seed %d: stale read #%d%n%s", seed, stale.id, result.explain())
                    .isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(result.violations()).as("seed %d", seed).hasSize(1);
            Violation<KvInput<String>, KvOutput<String>> violation = result.violations().get(0);
            assertThat(violation.key()).as("seed %d", seed).isEqualTo(stale.key);
            assertThat(violation.blockedOperation().id()).as("seed %d%n%s", seed, violation).isEqualTo(stale.id);
        }
    }
}
