package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HostTicker} in virtual time: awake groups are ticked every tick interval, quiescent ones
 * never, and while every group is quiescent the ticker runs only every
 * {@link HostTicker#IDLE_STRIDE} ticks, handing the host's work the ticks that passed.
 */
class HostTickerTest {

    private static final long TICK_NANOS = 10_000_000;

    private final ManualRuntime runtime = new ManualRuntime();
    private final List<Integer> hostTicks = new ArrayList<>();
    private final HostTicker ticker = new HostTicker(runtime.newTaskQueue("ticker"), TICK_NANOS, hostTicks::add);

    @AfterEach
    void close() {
        ticker.close();
    }

    @Test
    void awakeGroupsAreTickedEveryIntervalAndQuiescentOnesNever() {
        AtomicInteger awake = new AtomicInteger();
        AtomicInteger quiet = new AtomicInteger();
        ticker.newSource().start(runtime.newTaskQueue("awake"), awake::incrementAndGet);
        TickSource quietSource = ticker.newSource();
        quietSource.start(runtime.newTaskQueue("quiet"), quiet::incrementAndGet);
        quietSource.quiescent(true);
        ticker.start();

        runtime.advance(100 * TICK_NANOS);

        assertThat(awake).hasValue(100);
        assertThat(quiet).hasValue(0);
        assertThat(hostTicks).hasSize(100).containsOnly(1);
    }

    @Test
    void whileEveryGroupIsQuiescentTheTickerRunsEveryStrideAndCountsTheTicksThatPassed() {
        AtomicInteger ticks = new AtomicInteger();
        TickSource source = ticker.newSource();
        source.start(runtime.newTaskQueue("group"), ticks::incrementAndGet);
        source.quiescent(true);
        ticker.start();

        runtime.advance(100 * TICK_NANOS);
        int idleRuns = hostTicks.size();
        assertThat(idleRuns).as("runs in 100 idle ticks").isLessThanOrEqualTo(1 + 100 / HostTicker.IDLE_STRIDE);
        assertThat(hostTicks.stream().mapToInt(Integer::intValue).sum()).as("ticks handed to the host's work")
                .isBetween(100 - HostTicker.IDLE_STRIDE, 100);

        source.quiescent(false);
        runtime.advance(HostTicker.IDLE_STRIDE * TICK_NANOS);
        int before = ticks.get();
        runtime.advance(20 * TICK_NANOS);
        assertThat(ticks.get() - before).as("a woken group is ticked every interval again").isEqualTo(20);
    }
}
