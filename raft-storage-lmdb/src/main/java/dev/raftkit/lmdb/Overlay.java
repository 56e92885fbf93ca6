package dev.raftkit.lmdb;

import dev.raftkit.lmdb.MetaRecords.LogStart;
import dev.raftkit.lmdb.MetaRecords.SnapshotRecord;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What the journal holds and LMDB does not yet: entries that replace LMDB's from {@link #first()}
 * on (possibly none, when a compaction dropped them all), the hard state that replaces LMDB's, if
 * any, the log start that replaces LMDB's, if any (LMDB's entries up to it are compacted away), and
 * the latest snapshot's record that replaces LMDB's, if any.
 * Every entry it holds lies after its log start.
 *
 * <p>Immutable as far as any reader can tell, so a published overlay may be read from any thread.
 * {@link #with} returns a new overlay; to keep appends cheap it writes them into the unused tail of
 * the shared entry array, which no older overlay reads (each reads only its own {@code count}
 * slots). That is sound because the store's writer only ever derives from the newest overlay; a
 * replaced suffix or a compaction gets a fresh array.
 */
final class Overlay {

    /** The overlay of an empty journal: no entries, LMDB's hard state and log start. */
    static final Overlay EMPTY = new Overlay(new LogEntry[0], Long.MAX_VALUE, 0, null, null, null);

    private static final int MIN_CAPACITY = 16;

    private final LogEntry[] slots;
    private final long first;
    private final int count;
    private final HardState hardState;
    private final LogStart start;
    private final SnapshotRecord snapshot;

    private Overlay(LogEntry[] slots, long first, int count, HardState hardState, LogStart start,
            SnapshotRecord snapshot) {
        this.slots = slots;
        this.first = first;
        this.count = count;
        this.hardState = hardState;
        this.start = start;
        this.snapshot = snapshot;
    }

    /**
     * Returns the index from which it replaces LMDB's entries (with its own, the first at this
     * index), {@link Long#MAX_VALUE} if it replaces none.
     */
    long first() {
        return first;
    }

    /** Returns the index after its last entry, {@link Long#MAX_VALUE} if it replaces no entries. */
    long end() {
        return first == Long.MAX_VALUE ? first : first + count;
    }

    /** Returns whether it changes nothing of LMDB's: no entries, hard state, log start or snapshot. */
    boolean isEmpty() {
        return first == Long.MAX_VALUE && hardState == null && start == null && snapshot == null;
    }

    /** Returns its hard state, or null if LMDB's stands. */
    HardState hardState() {
        return hardState;
    }

    /** Returns its log start, or null if LMDB's stands. */
    LogStart start() {
        return start;
    }

    /** Returns its latest snapshot's record, or null if LMDB's stands. */
    SnapshotRecord snapshot() {
        return snapshot;
    }

    /** Returns this overlay after a snapshot was published: {@code record} replaces the latest. */
    Overlay withSnapshot(SnapshotRecord record) {
        return new Overlay(slots, first, count, hardState, start, record);
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
     * Returns why a persist of {@code entries} cannot follow what this overlay holds, or null if it
     * can: it must not reach back to its log start, nor leave a gap after its entries. (Whether it
     * continues LMDB's log is for the caller to tell.)
     */
    String persistMisfit(List<LogEntry> entries) {
        if (entries.isEmpty()) {
            return null;
        }
        long newFirst = entries.get(0).index();
        if (start != null && newFirst <= start.index()) {
            return "first entry index " + newFirst + " is not after the log start " + start.index();
        }
        if (first != Long.MAX_VALUE && newFirst > end()) {
            return "first entry index " + newFirst + " leaves a gap after the last entry " + (end() - 1);
        }
        return null;
    }

    /**
     * Returns why a compaction to {@code newStart} cannot follow what this overlay holds, or null if
     * it can: it must not reach past its last entry.
     */
    String compactMisfit(LogStart newStart) {
        if (first != Long.MAX_VALUE && newStart.index() >= end()) {
            return "compaction through " + newStart.index() + " is beyond the last entry " + (end() - 1);
        }
        return null;
    }

    /**
     * Returns this overlay after a persist of {@code state} and {@code entries}, which replace its
     * entries (and LMDB's) from the first one's index.
     *
     * @param state the new hard state, or null to keep this one's
     * @param entries contiguous entries that {@link #persistMisfit} accepts
     */
    Overlay with(HardState state, List<LogEntry> entries) {
        HardState newState = state == null ? hardState : state;
        if (entries.isEmpty()) {
            return new Overlay(slots, first, count, newState, start, snapshot);
        }
        long newFirst = entries.get(0).index();
        boolean continues = newFirst >= first;
        long base = continues ? first : newFirst;
        int keep = continues ? (int) (newFirst - first) : 0;
        int size = keep + entries.size();
        LogEntry[] target = slots;
        if (keep < count || size > slots.length || base != first) {
            target = new LogEntry[capacityFor(size)];
            System.arraycopy(slots, 0, target, 0, keep);
        }
        for (int k = 0; k < entries.size(); k++) {
            target[keep + k] = entries.get(k);
        }
        return new Overlay(target, base, size, newState, start, snapshot);
    }

    /**
     * Returns this overlay after a compaction to {@code newStart}: its entries up to that index are
     * dropped, and from then on it replaces LMDB's entries only after it. A start not above this
     * overlay's changes nothing: compaction never lowers the log start.
     *
     * @param newStart a position that {@link #compactMisfit} accepts
     */
    Overlay compacted(LogStart newStart) {
        if (start != null && newStart.index() <= start.index()) {
            return this;
        }
        if (newStart.index() < first) {
            return new Overlay(slots, first, count, hardState, newStart, snapshot);
        }
        int drop = (int) (newStart.index() - first + 1);
        LogEntry[] target = new LogEntry[capacityFor(count - drop)];
        System.arraycopy(slots, drop, target, 0, count - drop);
        return new Overlay(target, newStart.index() + 1, count - drop, hardState, newStart, snapshot);
    }

    /**
     * Returns the length of a fresh array for {@code size} entries: twice that, so appends that
     * follow copy amortized O(1) per entry, and sized by what it holds, never by the array it
     * replaces, so that repeated suffix replacements do not grow it without bound.
     */
    private static int capacityFor(int size) {
        return Math.max(MIN_CAPACITY, 2 * size);
    }
}
