package dev.raftkit.testkit.linearizability;

import java.util.Objects;

/**
 * What a client observed for a {@link KvInput}. Create instances with the static factories; they
 * have value equality. A read of a missing key ({@link #absent()}) and an unobserved result
 * ({@link #unknown()}) are distinct: the first constrains the history, the second does not.
 *
 * @param <V> the value type
 */
public sealed interface KvOutput<V>
        permits KvOutput.Ack, KvOutput.Value, KvOutput.Absent, KvOutput.Swapped, KvOutput.Unknown {

    /**
     * Returns the acknowledgement of a {@code put} or {@code delete}.
     *
     * @param <V> the value type
     * @return the output
     */
    static <V> KvOutput<V> ack() {
        return new Ack<>();
    }

    /**
     * Returns the result of a {@code get} that found {@code value}.
     *
     * @param value the value read
     * @param <V> the value type
     * @return the output
     */
    static <V> KvOutput<V> value(V value) {
        return new Value<>(value);
    }

    /**
     * Returns the result of a {@code get} that found no value.
     *
     * @param <V> the value type
     * @return the output
     */
    static <V> KvOutput<V> absent() {
        return new Absent<>();
    }

    /**
     * Returns the result of a {@code cas}.
     *
     * @param swapped whether the value was replaced
     * @param <V> the value type
     * @return the output
     */
    static <V> KvOutput<V> swapped(boolean swapped) {
        return new Swapped<>(swapped);
    }

    /**
     * Returns the output of an operation whose result was not observed; it fits every input and
     * constrains nothing. The checker uses it for operations recorded as {@link Outcome#UNKNOWN}.
     *
     * @param <V> the value type
     * @return the output
     */
    static <V> KvOutput<V> unknown() {
        return new Unknown<>();
    }

    /**
     * A {@code put} or {@code delete} was acknowledged.
     *
     * @param <V> the value type
     */
    record Ack<V>() implements KvOutput<V> {
        @Override
        public String toString() {
            return "ok";
        }
    }

    /**
     * A {@code get} returned a value.
     *
     * @param value the value read, not null
     * @param <V> the value type
     */
    record Value<V>(V value) implements KvOutput<V> {
        /**
         * Rejects a null value.
         *
         * @param value the value read
         * @throws NullPointerException if {@code value} is null
         */
        public Value {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return String.valueOf(value);
        }
    }

    /**
     * A {@code get} found no value.
     *
     * @param <V> the value type
     */
    record Absent<V>() implements KvOutput<V> {
        @Override
        public String toString() {
            return "absent";
        }
    }

    /**
     * A {@code cas} returned whether it replaced the value.
     *
     * @param swapped true if the value was replaced
     * @param <V> the value type
     */
    record Swapped<V>(boolean swapped) implements KvOutput<V> {
        @Override
        public String toString() {
            return String.valueOf(swapped);
        }
    }

    /**
     * The result was not observed.
     *
     * @param <V> the value type
     */
    record Unknown<V>() implements KvOutput<V> {
        @Override
        public String toString() {
            return "unknown";
        }
    }
}
