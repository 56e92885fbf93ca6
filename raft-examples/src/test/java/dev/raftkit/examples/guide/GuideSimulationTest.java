package dev.raftkit.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Runs the guide's simulation of the counter: what the guide shows passes, not only compiles. */
class GuideSimulationTest {

    @Test
    void theCounterStaysLinearizableInTheSimulator() {
        assertThat(Testing.simulateCounter(1, 5)).hasSize(5)
                .allSatisfy(report -> assertThat(report.okOperations()).isGreaterThan(100));
    }
}
