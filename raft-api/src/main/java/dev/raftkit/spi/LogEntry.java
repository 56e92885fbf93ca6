package dev.raftkit.spi;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of the replicated log.
 *
 * <p>The payload array is shared, not copied, between the codec, the log store and the transport,
 * so nobody may modify it after the entry is created. Equality compares the payload's contents.
 *
 * @param index the log index, at least 1
 * @param term the term in which a leader created the entry, at least 1
 * @param kind what the payload holds
 * @param payload the bytes; empty for {@link EntryKind#NOOP}
 */
public record LogEntry(long index, long term, EntryKind kind, byte[] payload) {

    /**
     * Validates the entry.
     *
     * @param index the log index, at least 1
     * @param term the term in which a leader created the entry, at least 1
     * @param kind what the payload holds
     * @param payload the bytes; empty for {@link EntryKind#NOOP}
     * @throws IllegalArgumentException if index or term is below 1
     */
    public LogEntry {
        if (index < 1) {
            throw new IllegalArgumentException("log entry index must be >= 1, was " + index);
        }
        if (term < 1) {
            throw new IllegalArgumentException("log entry term must be >= 1, was " + term);
        }
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payload, "payload");
    }

    /** {@return an approximate size in bytes, used to bound batches and messages} */
    public int sizeBytes() {
        return payload.length + 24;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogEntry e && index == e.index && term == e.term && kind == e.kind
                && Arrays.equals(payload, e.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, term, kind) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "LogEntry[" + index + "@" + term + " " + kind + " " + payload.length + "B]";
    }
}
