package dev.raftkit.lmdb;

import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What the journal holds and LMDB does not yet: entries that replace LMDB's from {@link #first()}
 * on, and the hard state that replaces LMDB's, if any.
 *
 * <p>Immutable as far as any reader can tell, so a published overlay may be read from any thread.
 * {@link #with} returns a new overlay; to keep appends cheap it writes them into the unused tail of
 * the shared entry array, which no older overlay reads (each reads only its own {@code count}
 * slots). That is sound because the store's writer only ever derives from the newest overlay; a
 * replaced suffix gets a fresh array.
 */
final class Overlay {

    /** The overlay of an empty journal: no entries, LMDB's hard state. */
    static final Overlay EMPTY = new Overlay(new LogEntry[0], Long.MAX_VALUE, 0, null);

    private static final int MIN_CAPACITY = 16;

    private final LogEntry[] slots;
    private final long first;
    private final int count;
    private final HardState hardState;

    private Overlay(LogEntry[] slots, long first, int count, HardState hardState) {
        this.slots = slots;
        this.first = first;
        this.count = count;
        this.hardState = hardState;
    }

    /** Returns whether the overlay changes nothing: no entries and no hard state. */
    boolean isEmpty() {
        return count == 0 && hardState == null;
    }

    /** Returns the index of its first entry, {@link Long#MAX_VALUE} if it holds none. */
    long first() {
        return first;
    }

    /** Returns its hard state, or null if LMDB's stands. */
    HardState hardState() {
        return hardState;
    }

    /** Returns its entries, in index order. */
    List<LogEntry> entries() {
        return Collections.unmodifiableList(Arrays.asList(slots).subList(0, count));
    }

    /**
     * Returns its entry at {@code index}.
     *
     * @throws IndexOutOfBoundsException if it holds no such entry
     */
    LogEntry get(long index) {
        long slot = index - first;
        if (slot < 0 || slot >= count) {
            throw new IndexOutOfBoundsException("the overlay holds no entry " + index);
        }
        return slots[(int) slot];
    }

    /**
     * Returns this overlay after a persist of {@code state} and {@code entries}, which replace its
     * entries (and LMDB's) from the first one's index.
     *
     * @param state the new hard state, or null to keep this one's
     * @param entries contiguous entries starting at most one past the log's last index
     */
    Overlay with(HardState state, List<LogEntry> entries) {
        HardState newState = state == null ? hardState : state;
        if (entries.isEmpty()) {
            return new Overlay(slots, first, count, newState);
        }
        long newFirst = entries.get(0).index();
        boolean continues = count > 0 && newFirst >= first;
        long base = continues ? first : newFirst;
        int keep = continues ? (int) (newFirst - first) : 0;
        int size = keep + entries.size();
        LogEntry[] target = slots;
        if (keep < count || size > slots.length || base != first) {
            target = new LogEntry[Math.max(size, Math.max(MIN_CAPACITY, 2 * slots.length))];
            System.arraycopy(slots, 0, target, 0, keep);
        }
        for (int k = 0; k < entries.size(); k++) {
            target[keep + k] = entries.get(k);
        }
        return new Overlay(target, base, size, newState);
    }
}
