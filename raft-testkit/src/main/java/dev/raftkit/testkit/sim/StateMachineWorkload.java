package dev.raftkit.testkit.sim;

import dev.raftkit.Codec;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.linearizability.Model;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The workload of a user's state machine: clients send the commands the user's generator draws,
 * through the log, and the history is checked against the user's {@link StateMachineModel}. At the
 * end the members' snapshots must be byte for byte equal.
 *
 * @param <C> the command type
 * @param <R> the response type
 */
final class StateMachineWorkload<C, R>
        implements Workload<C, R, StateMachine<C, R>, C, StateMachineWorkload.Response<R>> {

    /**
     * What a client saw: a response, or nothing (the checker's unknown output).
     *
     * @param value the response, which may be null
     * @param known false for the unknown output
     * @param <R> the response type
     */
    record Response<R>(R value, boolean known) {

        @Override
        public String toString() {
            return known ? String.valueOf(value) : "?";
        }
    }

    private final Supplier<? extends StateMachine<C, R>> stateMachines;
    private final Codec<C> codec;
    private final CommandGenerator<? extends C> commands;
    private final StateMachineModel<?, C, R> model;

    StateMachineWorkload(Supplier<? extends StateMachine<C, R>> stateMachines, Codec<C> codec,
            CommandGenerator<? extends C> commands, StateMachineModel<?, C, R> model) {
        this.stateMachines = stateMachines;
        this.codec = codec;
        this.commands = commands;
        this.model = model;
    }

    @Override
    public Supplier<? extends StateMachine<C, R>> stateMachines() {
        return () -> Objects.requireNonNull(stateMachines.get(), "the state machine factory returned null");
    }

    @Override
    public Codec<C> codec() {
        return codec;
    }

    @Override
    public Model<?, C, Response<R>> model() {
        return checked(model);
    }

    private static <S, C, R> Model<S, C, Response<R>> checked(StateMachineModel<S, C, R> spec) {
        return new Model<>() {
            @Override
            public S initialState() {
                return spec.initialState();
            }

            @Override
            public Optional<S> step(S state, C command, Response<R> output) {
                StateMachineModel.Result<S, R> result = Objects.requireNonNull(spec.apply(state, command),
                        () -> "the model's apply returned null for " + command);
                if (spec.isRead(command) && !Objects.equals(result.state(), state)) {
                    throw new IllegalStateException("the model says " + command + " is a read, but it changes "
                            + state + " into " + result.state());
                }
                boolean fits = !output.known() || Objects.equals(result.response(), output.value());
                return fits ? Optional.of(result.state()) : Optional.empty();
            }

            @Override
            public Response<R> unknownOutput() {
                return new Response<>(null, false);
            }
        };
    }

    @Override
    public SimClient.Requests<C, R, StateMachine<C, R>, C, Response<R>> requests(int clientId) {
        return (random, now) -> {
            C command = Objects.requireNonNull(commands.next(random), "the command generator returned null");
            return new SimClient.Command<>(model.key(command), command, command,
                    response -> new Response<>(response, true), !model.isRead(command));
        };
    }

    /** Returns the state machine's snapshot, in hexadecimal. */
    @Override
    public Object stateOf(StateMachine<C, R> state) {
        ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
        try {
            state.writeSnapshot(snapshot);
        } catch (IOException e) {
            throw new SafetyViolation("writing a snapshot to compare the members' states failed: " + e);
        }
        return "snapshot " + HexFormat.of().formatHex(snapshot.toByteArray());
    }
}
