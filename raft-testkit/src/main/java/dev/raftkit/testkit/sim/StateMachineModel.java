package dev.raftkit.testkit.sim;

/**
 * The sequential specification of your state machine, which the simulator checks the client
 * history against: what each command returns and how it changes the state, if commands ran one at
 * a time. The simulation passes when the responses its clients saw, under partitions and crashes,
 * could have come from some one-at-a-time order of the commands that respects real time
 * (linearizability).
 *
 * <p>Write it as simply as you can, separately from the state machine under test: it is the
 * reference the real thing is compared with. States must be immutable and have value-based
 * {@code equals} and {@code hashCode} (a record, a {@code Long}, {@code Map.copyOf(..)}): the
 * checker memoizes states. Implementations must be thread-safe; stateless is simplest.
 *
 * <pre>{@code
 * record CounterModel() implements StateMachineModel<Long, CounterCommand, Long> {
 *     public Long initialState() { return 0L; }
 *     public Result<Long, Long> apply(Long value, CounterCommand command) {
 *         long next = value + command.delta();        // a read is add(0)
 *         return new Result<>(next, next);
 *     }
 *     public boolean isRead(CounterCommand command) { return command.delta() == 0; }
 * }
 * }</pre>
 *
 * @param <S> the model's state: immutable, with value equality
 * @param <C> the command type of the state machine
 * @param <R> the response type of the state machine; responses are compared with {@code equals}
 */
public interface StateMachineModel<S, C, R> {

    /**
     * Returns the state before any command, the state of a fresh state machine.
     *
     * @return the initial state
     */
    S initialState();

    /**
     * Applies one command, as the state machine should.
     *
     * @param state the state before the command
     * @param command the command
     * @return the state after it and the response the state machine should give
     */
    Result<S, R> apply(S state, C command);

    /**
     * Tells whether {@code command} only reads: it never changes the state. A read that fails or
     * times out is known to have had no effect, so its client goes on as usual, while a command
     * that changes state and ends without an answer may still take effect at any later time, which
     * makes the check costlier. The simulator sends reads through the log like any command, so
     * they are linearizable whatever the read path; the model is checked to keep the state of a
     * read unchanged. Default: no command is a read.
     *
     * @param command a command
     * @return true if it never changes the state
     */
    default boolean isRead(C command) {
        return false;
    }

    /**
     * Names the part of the state {@code command} touches, when the state splits into independent
     * parts (accounts, counters, keys): the history of each part is then checked on its own, from
     * {@link #initialState()}, which is much faster. A command must touch one part only; give
     * every command the same key (the default) when commands span parts, as a transfer between
     * two accounts does.
     *
     * @param command a command
     * @return the name of the part it touches
     */
    default String key(C command) {
        return "state";
    }

    /**
     * The outcome of one command in the model.
     *
     * @param state the state after the command
     * @param response what the command returns
     * @param <S> the model's state type
     * @param <R> the response type
     */
    record Result<S, R>(S state, R response) {
    }
}
