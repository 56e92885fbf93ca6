package dev.raftkit.testkit.linearizability;

import java.util.Optional;

/**
 * The sequential specification of one object (for example one key of a key-value store): the
 * checker searches for an order of the recorded operations that this model accepts.
 *
 * <p>States must be immutable and have value-based {@code equals} and {@code hashCode}: the checker
 * memoizes (linearized operations, state) pairs, so a mutable state or an identity-based equality
 * makes it prune wrongly and report false results. The model is applied to each key separately,
 * starting from {@link #initialState()}, so operations must touch a single key.
 *
 * <p>A non-deterministic object can be modelled by letting {@code S} be the set of states the object
 * may be in; {@link #step} then maps a set to the set of successors and rejects when it is empty.
 *
 * <p>Implementations must be thread-safe (stateless is simplest): partitions may be checked in
 * parallel.
 *
 * @param <S> the state type, immutable with value equality
 * @param <I> the input type (what a client asks)
 * @param <O> the output type (what a client observed)
 */
public interface Model<S, I, O> {

    /**
     * Returns the state of an object that no operation has touched yet.
     *
     * @return the initial state
     */
    S initialState();

    /**
     * Applies one operation to a state.
     *
     * @param state the state before the operation
     * @param input what the client asked
     * @param output what the client observed, or {@link #unknownOutput()} if nothing was observed; a
     *     model must accept the unknown output for every input
     * @return the state after the operation, or empty if {@code output} is impossible from
     *     {@code state}
     * @throws IllegalArgumentException if {@code output} can never answer {@code input} (a recording
     *     error, such as a read answered with a write acknowledgement)
     */
    Optional<S> step(S state, I input, O output);

    /**
     * Returns the output the checker passes to {@link #step} for an operation whose outcome is
     * unknown. It must be distinct from every real output (for a read, distinct from "absent").
     *
     * @return the unobserved output
     */
    O unknownOutput();

    /**
     * Describes a state for reports; defaults to {@code String.valueOf(state)}.
     *
     * @param state a state of this model
     * @return a short human-readable text
     */
    default String describe(S state) {
        return String.valueOf(state);
    }
}
