package dev.raftkit.testkit.linearizability;

import java.util.Objects;
import java.util.Optional;

/**
 * The model of one key of a linearizable key-value store: a register that is absent until written,
 * supporting {@code put}, {@code get}, {@code cas} and {@code delete} (see {@link KvInput}).
 *
 * <p>Every input accepts {@link KvOutput#unknown()}: an unknown {@code put}, {@code cas} or
 * {@code delete} has its effect (a {@code cas} only if it matches), an unknown {@code get} changes
 * nothing. A {@code get} that returned {@link KvOutput#absent()} is legal only while the key holds
 * no value.
 *
 * <p>Stateless and thread-safe.
 *
 * @param <V> the value type, with value equality
 */
public final class KvRegisterModel<V> implements Model<KvRegisterModel.Register<V>, KvInput<V>, KvOutput<V>> {

    /** Creates the model. */
    public KvRegisterModel() {
    }

    @Override
    public Register<V> initialState() {
        return Register.absent();
    }

    @Override
    public Optional<Register<V>> step(Register<V> state, KvInput<V> input, KvOutput<V> output) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        boolean unknown = output instanceof KvOutput.Unknown;
        if (input instanceof KvInput.Put<V> put) {
            requireOutput(unknown || output instanceof KvOutput.Ack, input, output, "ok or unknown");
            return Optional.of(Register.of(put.value()));
        }
        if (input instanceof KvInput.Delete) {
            requireOutput(unknown || output instanceof KvOutput.Ack, input, output, "ok or unknown");
            return Optional.of(Register.absent());
        }
        if (input instanceof KvInput.Get) {
            if (unknown) {
                return Optional.of(state);
            }
            if (output instanceof KvOutput.Value<V> read) {
                return state.value().filter(read.value()::equals).map(v -> state);
            }
            requireOutput(output instanceof KvOutput.Absent, input, output, "a value, absent or unknown");
            return state.value().isEmpty() ? Optional.of(state) : Optional.empty();
        }
        KvInput.Cas<V> cas = (KvInput.Cas<V>) input;
        boolean matches = state.value().filter(cas.expected()::equals).isPresent();
        Register<V> after = matches ? Register.of(cas.update()) : state;
        if (unknown) {
            return Optional.of(after);
        }
        requireOutput(output instanceof KvOutput.Swapped, input, output, "true, false or unknown");
        return ((KvOutput.Swapped<V>) output).swapped() == matches ? Optional.of(after) : Optional.empty();
    }

    @Override
    public KvOutput<V> unknownOutput() {
        return KvOutput.unknown();
    }

    private static void requireOutput(boolean fits, Object input, Object output, String expected) {
        if (!fits) {
            throw new IllegalArgumentException("output '" + output + "' cannot answer " + input
                    + " (expected " + expected + "); the history was recorded wrongly");
        }
    }

    /**
     * The state of one key: its value, or none.
     *
     * @param value the stored value, empty while the key is absent
     * @param <V> the value type
     */
    public record Register<V>(Optional<V> value) {

        /**
         * Rejects a null optional.
         *
         * @param value the stored value, empty while the key is absent
         * @throws NullPointerException if {@code value} is null
         */
        public Register {
            Objects.requireNonNull(value, "value");
        }

        /**
         * Returns the state of a key without a value.
         *
         * @param <V> the value type
         * @return the state
         */
        public static <V> Register<V> absent() {
            return new Register<>(Optional.empty());
        }

        /**
         * Returns the state of a key holding {@code value}.
         *
         * @param value the value, not null
         * @param <V> the value type
         * @return the state
         */
        public static <V> Register<V> of(V value) {
            return new Register<>(Optional.of(value));
        }

        /** Returns the value's text, or {@code absent}. */
        @Override
        public String toString() {
            return value.map(String::valueOf).orElse("absent");
        }
    }
}
