package dev.raftkit.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * The calls a node handed out, kept so that its stop can fail those not yet finished, at little
 * cost per call: adding one is an array store under a lock that is rarely contended, and finishing
 * one costs nothing, as nothing is removed then. The finished ones are dropped together when the
 * array fills (which doubles it while more than half of it is still unfinished, and halves it once
 * at most a quarter is), so every add costs amortized constant time and the array holds at most
 * about twice the most calls ever unfinished at once, finished ones included.
 *
 * <p>Thread-safe: an item added before {@link #unfinished} runs (in the order its lock gives) is
 * in the list it returns, unless it had finished.
 *
 * @param <T> the item type
 */
final class PendingCalls<T> {

    /** The smallest array, which is also the first. */
    static final int MIN_CAPACITY = 64;

    private final Predicate<? super T> finished;
    private Object[] items = new Object[MIN_CAPACITY];
    private int size;

    /**
     * @param finished whether an item is finished, so its stop need not fail it; once true, true
     *        for ever
     */
    PendingCalls(Predicate<? super T> finished) {
        this.finished = finished;
    }

    /** Keeps {@code item} until it is found finished. */
    synchronized void add(T item) {
        if (size == items.length) {
            dropFinished();
        }
        items[size++] = item;
    }

    /** {@return the items added and not yet finished, in the order they were added} */
    synchronized List<T> unfinished() {
        List<T> unfinished = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            T item = item(i);
            if (!finished.test(item)) {
                unfinished.add(item);
            }
        }
        return unfinished;
    }

    /** {@return the length of the array, for tests of its growth} */
    synchronized int capacity() {
        return items.length;
    }

    /** Drops the finished items, then resizes the array so that at least half of it is free. */
    private void dropFinished() {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            T item = item(i);
            if (!finished.test(item)) {
                items[kept++] = item;
            }
        }
        Arrays.fill(items, kept, size, null);
        size = kept;
        if (kept > items.length / 2) {
            items = Arrays.copyOf(items, items.length * 2);
        } else if (kept <= items.length / 4 && items.length > MIN_CAPACITY) {
            items = Arrays.copyOf(items, items.length / 2);
        }
    }

    @SuppressWarnings("unchecked")
    private T item(int i) {
        return (T) items[i];
    }
}
