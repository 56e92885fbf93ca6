package dev.raftkit.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * A user's state machine in the simulator: a correct one passes over many seeds under faults; one
 * with a read-modify-write race fails with its seed and a short, readable violated history.
 */
class StateMachineSimulationTest {

    /** {@code -Draftkit.sim.userSeeds=N} runs N seeds instead of 10. */
    private static final int SEEDS = Integer.getInteger("raftkit.sim.userSeeds", 10);
    /**
     * Commands spread over six counters, each checked on its own, and three clients: enough
     * contention to catch races, with few enough concurrent unknown outcomes per counter to check.
     */
    private static final int COUNTERS = 6;

    @Test
    void aCorrectCounterStaysLinearizableUnderFaults() {
        StateMachineSimulation<Counters.Add, Long> simulation = StateMachineSimulation
                .of(Counters::new, Counters.Add.CODEC, StateMachineSimulationTest::randomAdd, new Counters.Model())
                .clients(3).build();
        List<SimulationReport> reports = simulation.runSeeds(1, SEEDS);
        assertThat(reports).allSatisfy(r -> assertThat(r.okOperations()).as("seed %d did useful work", r.seed())
                .isGreaterThan(100));
        assertThat(simulation.run(7)).as("a seed replays exactly").isEqualTo(reports.get(6));
    }

    /**
     * The bug: clients send the value they last saw with each command, and apply adds delta to that
     * value instead of to the counter's current one. Two clients that saw the same value lose one
     * another's update, and a node that applies behind the others hands out stale values.
     */
    @Test
    void aReadModifyWriteRaceFailsWithItsSeedAndAShrunkHistory() {
        Map<String, Long> lastSeen = new HashMap<>();
        StateMachineSimulation<Counters.Add, Long> simulation = StateMachineSimulation
                .of(() -> new Counters((current, add) -> {
                    long value = add.seen() + add.delta();
                    lastSeen.put(add.counter(), value);
                    return value;
                }), Counters.Add.CODEC, random -> {
                    Counters.Add add = randomAdd(random);
                    return new Counters.Add(add.counter(), add.delta(), lastSeen.getOrDefault(add.counter(), 0L));
                }, new Counters.Model())
                .clients(3).build();

        assertThatThrownBy(() -> simulation.run(3))
                .isInstanceOfSatisfying(SimulationFailure.class, failure -> {
                    assertThat(failure.seed()).isEqualTo(3);
                    String message = failure.getMessage();
                    assertThat(message).startsWith("simulation seed 3 failed").contains("linearizability")
                            .contains("replay with -Draftkit.sim.seed=3");
                    String shrunk = message.substring(message.indexOf("shortest violated history"));
                    List<String> operations = shrunk.lines().skip(2).takeWhile(l -> l.startsWith("  p")).toList();
                    // The prefix ends at the run's first violation (a few dozen operations into a
                    // run of hundreds); where that falls depends on the engine's schedule.
                    assertThat(operations).as(shrunk).isNotEmpty().hasSizeLessThan(100)
                            .anyMatch(l -> l.endsWith("<- cannot be linearized"))
                            .allMatch(l -> l.matches("  p\\d+ +#\\d+ +(add|get)\\(.*\\) +.* ms +.*"));
                });
    }

    /** A model that calls every command a read is wrong about the adds, and the run says so. */
    @Test
    void aModelWhoseReadsChangeTheStateIsReported() {
        StateMachineSimulation<Counters.Add, Long> simulation = StateMachineSimulation
                .of(Counters::new, Counters.Add.CODEC, StateMachineSimulationTest::randomAdd, new Counters.Model() {
                    @Override
                    public boolean isRead(Counters.Add command) {
                        return true;
                    }
                })
                .clients(3).build();

        assertThatThrownBy(() -> simulation.run(1)).isInstanceOf(SimulationFailure.class)
                .hasMessageContaining("simulation seed 1").hasMessageContaining("is a read, but it changes");
    }

    private static Counters.Add randomAdd(RandomGenerator random) {
        String counter = "c" + random.nextInt(COUNTERS);
        return new Counters.Add(counter, random.nextInt(4) == 0 ? 0 : random.nextInt(1, 10), 0);
    }
}
