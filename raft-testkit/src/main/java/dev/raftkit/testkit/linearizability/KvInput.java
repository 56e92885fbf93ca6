package dev.raftkit.testkit.linearizability;

import java.util.Objects;

/**
 * An operation on one key of a key-value store, as understood by {@link KvRegisterModel}. Create
 * instances with the static factories; they have value equality and read as {@code put(v1)},
 * {@code get()}, {@code cas(v1, v2)} and {@code delete()} in reports.
 *
 * @param <V> the value type, with value equality (use {@code String} or a record, not {@code byte[]})
 */
public sealed interface KvInput<V> permits KvInput.Put, KvInput.Get, KvInput.Cas, KvInput.Delete {

    /**
     * Returns a write of {@code value}; answered by {@link KvOutput#ack()}.
     *
     * @param value the value to store; write unique values so reads identify their write
     * @param <V> the value type
     * @return the input
     */
    static <V> KvInput<V> put(V value) {
        return new Put<>(value);
    }

    /**
     * Returns a read; answered by {@link KvOutput#value} or {@link KvOutput#absent()}.
     *
     * @param <V> the value type
     * @return the input
     */
    static <V> KvInput<V> get() {
        return new Get<>();
    }

    /**
     * Returns a compare-and-set that stores {@code update} if the key holds {@code expected};
     * answered by {@link KvOutput#swapped(boolean)}. A missing key never matches.
     *
     * @param expected the value the key must hold
     * @param update the value to store if it does
     * @param <V> the value type
     * @return the input
     */
    static <V> KvInput<V> cas(V expected, V update) {
        return new Cas<>(expected, update);
    }

    /**
     * Returns a removal of the key; answered by {@link KvOutput#ack()}.
     *
     * @param <V> the value type
     * @return the input
     */
    static <V> KvInput<V> delete() {
        return new Delete<>();
    }

    /**
     * Stores a value.
     *
     * @param value the value, not null
     * @param <V> the value type
     */
    record Put<V>(V value) implements KvInput<V> {
        /**
         * Rejects a null value.
         *
         * @param value the value to store; write unique values so reads identify their write
         * @throws NullPointerException if {@code value} is null
         */
        public Put {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "put(" + value + ")";
        }
    }

    /**
     * Reads the value.
     *
     * @param <V> the value type
     */
    record Get<V>() implements KvInput<V> {
        @Override
        public String toString() {
            return "get()";
        }
    }

    /**
     * Compares and sets.
     *
     * @param expected the value the key must hold, not null
     * @param update the value stored if it does, not null
     * @param <V> the value type
     */
    record Cas<V>(V expected, V update) implements KvInput<V> {
        /**
         * Rejects null values.
         *
         * @param expected the value the key must hold
         * @param update the value to store if it does
         * @throws NullPointerException if {@code expected} or {@code update} is null
         */
        public Cas {
            Objects.requireNonNull(expected, "expected");
            Objects.requireNonNull(update, "update");
        }

        @Override
        public String toString() {
            return "cas(" + expected + ", " + update + ")";
        }
    }

    /**
     * Removes the key.
     *
     * @param <V> the value type
     */
    record Delete<V>() implements KvInput<V> {
        @Override
        public String toString() {
            return "delete()";
        }
    }
}
