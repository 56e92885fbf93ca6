package dev.raftkit.testkit.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SearchMemoTest {

    private static final boolean KNOWN = false;
    private static final boolean UNKNOWN = true;

    private final SearchMemo<String> memo = new SearchMemo<>(4, "initial");

    @Test
    void aConfigurationIsExploredOnce() {
        assertThat(memo.visit(0, KNOWN, "x")).isTrue();
        memo.leave(0, KNOWN);
        assertThat(memo.visit(0, KNOWN, "x")).isFalse();
        assertThat(memo.visit(0, KNOWN, "y")).as("same operations, other state").isTrue();
    }

    @Test
    void theInitialConfigurationCountsAsExplored() {
        assertThat(memo.visit(2, UNKNOWN, "initial")).isFalse();
        assertThat(memo.isLinearizedUnknown(2)).as("a refused visit changes nothing").isFalse();
    }

    @Test
    void moreUnknownOperationsWithTheSameStateAreDominated() {
        assertThat(memo.visit(0, KNOWN, "x")).isTrue();
        assertThat(memo.visit(1, UNKNOWN, "x")).as("an unknown operation without visible effect").isFalse();

        memo.leave(0, KNOWN);
        assertThat(memo.visit(1, UNKNOWN, "y")).isTrue();
        assertThat(memo.isLinearizedUnknown(1)).isTrue();
        assertThat(memo.visit(0, KNOWN, "x")).as("{0} + unknown {1} reaching x is dominated by {0} reaching x")
                .isFalse();
    }

    @Test
    void fewerUnknownOperationsAreNotDominatedByMore() {
        assertThat(memo.visit(1, UNKNOWN, "y")).isTrue();
        assertThat(memo.visit(2, UNKNOWN, "z")).isTrue();
        memo.leave(2, UNKNOWN);
        memo.leave(1, UNKNOWN);

        assertThat(memo.visit(2, UNKNOWN, "z")).as("unknown {2} is not dominated by unknown {1, 2}").isTrue();
        memo.leave(2, UNKNOWN);
        assertThat(memo.visit(1, UNKNOWN, "y")).isFalse();
    }

    @Test
    void acknowledgedOperationsMustMatchExactly() {
        assertThat(memo.visit(0, KNOWN, "x")).isTrue();
        assertThat(memo.visit(1, KNOWN, "x")).as("{0, 1} is not dominated by {0}").isTrue();
    }

    @Test
    void capacityShrinksWithHistoryLength() {
        long small = new SearchMemo<>(100, "s").capacity();
        long large = new SearchMemo<>(100_000, "s").capacity();
        assertThat(small).isGreaterThan(large).isGreaterThan(1_000_000);
        assertThat(large).isGreaterThan(10_000);
        assertThat(memo.isFull()).isFalse();
    }
}
