package dev.raftkit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Items that any thread adds and a task on another thread takes all at once: the first item added
 * after a take schedules the next, so items arriving together cost one hand-off, not one each.
 *
 * @param <T> the item type
 */
final class HandOffInbox<T> {

    private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean takeScheduled = new AtomicBoolean();
    private final Consumer<Runnable> schedule;
    private final Consumer<List<T>> take;

    /**
     * @param schedule runs a task on the taking thread
     * @param take receives, on that thread, every item added before it ran, in order
     */
    HandOffInbox(Consumer<Runnable> schedule, Consumer<List<T>> take) {
        this.schedule = schedule;
        this.take = take;
    }

    /** Adds an item, on any thread; it reaches the taker with the next take. */
    void add(T item) {
        items.add(item);
        if (takeScheduled.compareAndSet(false, true)) {
            schedule.accept(this::takeAll);
        }
    }

    /** Takes every item added so far; an item added meanwhile schedules the next take. */
    private void takeAll() {
        takeScheduled.set(false);
        List<T> taken = new ArrayList<>();
        for (T item = items.poll(); item != null; item = items.poll()) {
            taken.add(item);
        }
        if (!taken.isEmpty()) {
            take.accept(taken);
        }
    }
}
