package dev.raftkit.testkit.sim;

import dev.raftkit.Codec;
import dev.raftkit.StateMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Puts your own state machine through the deterministic simulator: real engines (the same driver
 * and applier as production) on one thread in virtual time, with the memory log store and
 * transport, seeded faults (partitions of any shape, one-way loss, message loss, duplication,
 * delay and reordering, crashes that lose un-persisted writes, restarts, and with
 * {@link SimulationOptions#spares spares} membership changes), and clients that send the commands
 * your generator draws. Raft's safety invariants are checked after every event (one leader per
 * term, every node applies the same command at each index, committed entries are never lost); at
 * the end every fault is healed, the cluster must recover and its members must write equal
 * snapshots, and the client history must be linearizable against your {@link StateMachineModel}.
 *
 * <pre>{@code
 * StateMachineSimulation<CounterCommand, Long> simulation = StateMachineSimulation
 *         .of(Counter::new, CounterCommand.CODEC, random -> new CounterCommand(random.nextInt(-3, 4)),
 *                 new CounterModel())
 *         .nodes(3)
 *         .build();
 * for (long seed = 1; seed <= 20; seed++) {
 *     simulation.run(seed);                          // throws SimulationFailure
 * }
 * }</pre>
 *
 * <p>How clients behave: each sends one command at a time (to the node it believes leads) and
 * records it in the history. A command that changes state and fails in a way that leaves its fate
 * open (a timeout, a leader lost while it was pending) may still take effect at any later time:
 * the checker considers both. Reads ({@link StateMachineModel#isRead}) also go through the log as
 * commands, so the state machine needs no query API.
 *
 * <p>What a failure says: a {@link SimulationFailure} names the seed (replay it with
 * {@link #run(long)}), the broken property and the last faults; for a linearizability violation
 * it also lists the shortest prefix of the history that is still violated, one operation per line
 * (client, operation, command, response, invoke and return times in virtual milliseconds).
 *
 * <p>What your state machine must do: be deterministic (the same commands give the same responses
 * and state on every node), write equal snapshots for equal states (they are compared byte for
 * byte), and restore from its own snapshots; raft-testkit's {@code StateMachineTck} checks these
 * on their own.
 *
 * <p>A simulation is immutable; {@link #run(long)} may be called from several threads at once.
 *
 * @param <C> the command type
 * @param <R> the response type
 */
public final class StateMachineSimulation<C, R> {

    private final Supplier<? extends StateMachine<C, R>> stateMachines;
    private final Codec<C> codec;
    private final CommandGenerator<? extends C> commands;
    private final StateMachineModel<?, C, R> model;
    private final SimulationOptions.Settings settings;

    private StateMachineSimulation(Builder<C, R> b) {
        this.stateMachines = b.stateMachines;
        this.codec = b.codec;
        this.commands = b.commands;
        this.model = b.model;
        this.settings = b.settings();
    }

    /**
     * Starts describing a simulation of your state machine.
     *
     * @param stateMachines makes a fresh, empty state machine; called for every start and restart
     *     of every node, as a process restart would
     * @param codec your command codec
     * @param commands draws the commands clients send, from the seeded randomness it is given
     * @param model the sequential specification the history is checked against
     * @param <S> the model's state type
     * @param <C> the command type
     * @param <R> the response type
     * @return a builder with 3 nodes, 4 clients and 6 s of faults
     * @throws NullPointerException if an argument is null
     */
    public static <S, C, R> Builder<C, R> of(Supplier<? extends StateMachine<C, R>> stateMachines, Codec<C> codec,
            CommandGenerator<? extends C> commands, StateMachineModel<S, C, R> model) {
        return new Builder<>(Objects.requireNonNull(stateMachines, "stateMachines"),
                Objects.requireNonNull(codec, "codec"), Objects.requireNonNull(commands, "commands"),
                Objects.requireNonNull(model, "model"));
    }

    /**
     * Runs the simulation for one seed; everything random derives from it, so the same seed
     * replays the same run.
     *
     * @param seed the seed
     * @return what happened
     * @throws SimulationFailure naming the seed, the broken property, the last faults injected and,
     *     for a linearizability violation, the shortest violated prefix of the history
     */
    public SimulationReport run(long seed) {
        return new SimulationRun<>(seed, settings,
                () -> new StateMachineWorkload<>(stateMachines, codec, commands, model)).run();
    }

    /**
     * Runs {@code count} seeds from {@code firstSeed} on, one after the other, stopping at the first
     * failure.
     *
     * @param firstSeed the first seed
     * @param count how many seeds, at least 1
     * @return one report per seed, in seed order
     * @throws SimulationFailure for the first seed that fails
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public List<SimulationReport> runSeeds(long firstSeed, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, was " + count);
        }
        List<SimulationReport> reports = new ArrayList<>(count);
        for (long seed = firstSeed; seed < firstSeed + count; seed++) {
            reports.add(run(seed));
        }
        return reports;
    }

    /**
     * Describes a simulation of a user's state machine.
     *
     * @param <C> the command type
     * @param <R> the response type
     */
    public static final class Builder<C, R> extends SimulationOptions<Builder<C, R>> {
        private final Supplier<? extends StateMachine<C, R>> stateMachines;
        private final Codec<C> codec;
        private final CommandGenerator<? extends C> commands;
        private final StateMachineModel<?, C, R> model;

        private Builder(Supplier<? extends StateMachine<C, R>> stateMachines, Codec<C> codec,
                CommandGenerator<? extends C> commands, StateMachineModel<?, C, R> model) {
            this.stateMachines = stateMachines;
            this.codec = codec;
            this.commands = commands;
            this.model = model;
        }

        @Override
        Builder<C, R> self() {
            return this;
        }

        /** {@return the simulation, immutable from now on} */
        public StateMachineSimulation<C, R> build() {
            return new StateMachineSimulation<>(this);
        }
    }
}
