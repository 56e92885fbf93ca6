package dev.raftkit.testkit.linearizability;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The call and return events of one partition's operations in time order, kept as a circular doubly
 * linked list from which an operation's two events can be lifted and put back (the "lift" and
 * "unlift" of the Wing–Gong–Lowe search).
 *
 * <p>Operation {@code i} of {@code n} has call entry {@code i} and return entry {@code n + i}.
 * Entries are ordered by time; at equal times calls come first, so operations whose closed intervals
 * share an instant are concurrent. Lifts must be undone in reverse order. Not thread-safe.
 */
final class EntryList {

    private final int operations;
    private final int head;
    private final int[] next;
    private final int[] prev;

    /**
     * Builds the list.
     *
     * @param invokeTimes the invoke time of each operation
     * @param returnTimes the return time of each operation, not before its invoke time
     */
    EntryList(long[] invokeTimes, long[] returnTimes) {
        operations = invokeTimes.length;
        head = 2 * operations;
        next = new int[head + 1];
        prev = new int[head + 1];
        Integer[] order = new Integer[head];
        Arrays.setAll(order, e -> e);
        Arrays.sort(order, Comparator.<Integer>comparingLong(
                        e -> e < operations ? invokeTimes[e] : returnTimes[e - operations])
                .thenComparingInt(e -> isCall(e) ? 0 : 1)
                .thenComparingInt(this::operation));
        int last = head;
        for (int entry : order) {
            next[last] = entry;
            prev[entry] = last;
            last = entry;
        }
        next[last] = head;
        prev[head] = last;
    }

    /** Returns the first entry still in the list, or the end marker if the list is empty. */
    int first() {
        return next[head];
    }

    /** Returns the entry after {@code entry}, or the end marker. */
    int next(int entry) {
        return next[entry];
    }

    /** Tells whether {@code entry} is the end marker rather than an event. */
    boolean isEnd(int entry) {
        return entry == head;
    }

    /** Tells whether {@code entry} is a call (otherwise it is a return). */
    boolean isCall(int entry) {
        return entry < operations;
    }

    /** Returns the operation an entry belongs to. */
    int operation(int entry) {
        return entry < operations ? entry : entry - operations;
    }

    /** Returns the call entry of {@code operation}. */
    int callOf(int operation) {
        return operation;
    }

    /** Removes both events of {@code operation} from the list. */
    void lift(int operation) {
        unlink(operation);
        unlink(operations + operation);
    }

    /** Puts back the events of {@code operation}, which must be the most recently lifted one. */
    void unlift(int operation) {
        relink(operations + operation);
        relink(operation);
    }

    private void unlink(int entry) {
        next[prev[entry]] = next[entry];
        prev[next[entry]] = prev[entry];
    }

    private void relink(int entry) {
        next[prev[entry]] = entry;
        prev[next[entry]] = entry;
    }
}
