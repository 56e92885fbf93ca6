package dev.raftkit.testkit.memory;

import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.SnapshotMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The durable state of one node kept in memory: hard state, log entries, the position the log
 * continues from, and the latest snapshot with its data.
 *
 * <p>A disk outlives the {@link MemoryLogStore}s opened on it, so a simulator can keep one disk per
 * node across crash and restart: opening a new store on a disk fences the previous one, whose later
 * writes fail with an {@link IOException}, as a process that was killed cannot write any more.
 *
 * <p>For fault tests the disk can fail writes ({@link #failNextWrite}, {@link #failWritesFrom}) and
 * mark entries or the snapshot as corrupt ({@link #corruptEntry}, {@link #corruptSnapshot}); a
 * failed write has no effect, a read of a corrupt entry throws an {@link IOException} naming the
 * index and this disk, and opening a corrupt snapshot one naming the offset and this disk.
 *
 * <p>Thread-safe: every operation is atomic under a read-write lock, so readers see the state before
 * or after a write, never a mix. No operation waits for I/O, so readers are never held up long.
 */
public final class MemoryDisk {

    private final String name;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    // Guarded by lock.
    private HardState hardState = HardState.INITIAL;
    private long startIndex;
    private long startTerm;
    private final ArrayList<LogEntry> entries = new ArrayList<>();
    private final Set<Long> corrupt = new HashSet<>();
    private StoredSnapshot snapshot;
    private long generation;
    private IOException nextWriteFault;
    private IOException stickyWriteFault;

    /**
     * Creates an empty disk: a store opened on it has the shape of a new store.
     *
     * @param name what error messages call this disk, e.g. the node's data directory
     */
    public MemoryDisk(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** {@return the name error messages use for this disk} */
    public String name() {
        return name;
    }

    /**
     * Makes the next write (persist, compact, reset or snapshot commit) of any store on this disk
     * throw {@code fault} without taking effect. Later writes succeed again.
     *
     * @param fault the exception to throw
     */
    public void failNextWrite(IOException fault) {
        Objects.requireNonNull(fault, "fault");
        withWriteLock(() -> nextWriteFault = fault);
    }

    /**
     * Makes every write from now on throw {@code fault} without taking effect, until
     * {@link #clearFaults()}: a disk that has gone bad.
     *
     * @param fault the exception to throw
     */
    public void failWritesFrom(IOException fault) {
        Objects.requireNonNull(fault, "fault");
        withWriteLock(() -> stickyWriteFault = fault);
    }

    /** Removes every pending write fault; corrupt entries stay corrupt. */
    public void clearFaults() {
        withWriteLock(() -> {
            nextWriteFault = null;
            stickyWriteFault = null;
        });
    }

    /**
     * Marks the stored entry at {@code index} as corrupt: reading it (its entry or its term) throws
     * an {@link IOException} naming the index and this disk, until the entry is overwritten or
     * discarded.
     *
     * @param index the index of a stored entry
     * @throws IllegalArgumentException if no entry with that index is stored
     */
    public void corruptEntry(long index) {
        withWriteLock(() -> {
            if (index <= startIndex || index > lastIndexLocked()) {
                throw new IllegalArgumentException("cannot corrupt entry " + index + " of memory disk " + name
                        + ": it holds entries [" + (startIndex + 1) + ", " + lastIndexLocked() + "]");
            }
            corrupt.add(index);
        });
    }

    /**
     * Marks the byte at {@code offset} of the latest snapshot as corrupt: opening that snapshot
     * throws an {@link IOException} naming the offset and this disk, as a store that checks the
     * whole snapshot before handing out a byte does, until a newer snapshot replaces it. Streams
     * opened before keep reading.
     *
     * @param offset an offset inside the snapshot's data
     * @throws IllegalArgumentException if there is no snapshot or {@code offset} is outside its data
     */
    public void corruptSnapshot(long offset) {
        withWriteLock(() -> {
            if (snapshot == null || offset < 0 || offset >= snapshot.data().length) {
                throw new IllegalArgumentException("cannot corrupt offset " + offset + " of the snapshot on memory disk "
                        + name + ": " + (snapshot == null ? "it holds none" : "its data is "
                        + snapshot.data().length + " bytes long"));
            }
            snapshot = new StoredSnapshot(snapshot.meta(), snapshot.data(), offset);
        });
    }

    /**
     * Loses the last {@code count} durable entries (fewer if fewer are stored after the compacted
     * prefix), as a disk that broke its durability promise would; the hard state's commit index is
     * clamped to what is left. This is outside Raft's fault model: only for testing how a cluster
     * copes with a member that lost acknowledged entries. Call it while no store is open on the disk.
     *
     * @param count how many entries to lose, at least 0
     * @return how many were lost
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public int loseLastEntries(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        int[] lost = new int[1];
        withWriteLock(() -> {
            lost[0] = Math.min(count, entries.size());
            if (lost[0] > 0) {
                truncateFromLocked(lastIndexLocked() - lost[0] + 1);
                hardState = new HardState(hardState.term(), hardState.votedFor(),
                        Math.min(hardState.commitIndex(), lastIndexLocked()));
            }
        });
        return lost[0];
    }

    @Override
    public String toString() {
        return "MemoryDisk[" + name + "]";
    }

    // ---- Operations used by MemoryLogStore. Arguments are validated against the state under the lock. ----

    /** Fences every store opened before and returns the generation of a newly opened one. */
    long attach() {
        lock.writeLock().lock();
        try {
            return ++generation;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** {@return the durable hard state; for inspection by tests and the simulator} */
    public HardState hardState() {
        lock.readLock().lock();
        try {
            return hardState;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** {@return the first durable log index; for inspection by tests and the simulator} */
    public long firstIndex() {
        lock.readLock().lock();
        try {
            return startIndex + 1;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** {@return the last durable log index; for inspection by tests and the simulator} */
    public long lastIndex() {
        lock.readLock().lock();
        try {
            return lastIndexLocked();
        } finally {
            lock.readLock().unlock();
        }
    }

    long term(long index) throws IOException {
        lock.readLock().lock();
        try {
            if (index < startIndex || index > lastIndexLocked()) {
                throw new IllegalArgumentException("term(" + index + ") is outside [" + startIndex + ", "
                        + lastIndexLocked() + "] of memory disk " + name);
            }
            return index == startIndex ? startTerm : readLocked(index).term();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Reads durable entries as {@link dev.raftkit.spi.LogStore#entries} does; for inspection by tests
     * and the simulator.
     *
     * @param from the first index
     * @param to one past the last index
     * @param maxBytes the byte budget
     * @return the entries, a prefix of the range
     * @throws IOException if an entry in the range was marked corrupt
     */
    public List<LogEntry> entries(long from, long to, long maxBytes) throws IOException {
        lock.readLock().lock();
        try {
            if (from <= startIndex || to > lastIndexLocked() + 1 || to < from || maxBytes < 1) {
                throw new IllegalArgumentException("entries(" + from + ", " + to + ", " + maxBytes
                        + ") is outside the log [" + (startIndex + 1) + ", " + lastIndexLocked()
                        + "] of memory disk " + name + " (needs first <= from <= to <= last + 1, maxBytes >= 1)");
            }
            List<LogEntry> result = new ArrayList<>();
            long bytes = 0;
            for (long index = from; index < to; index++) {
                LogEntry entry = readLocked(index);
                bytes += entry.sizeBytes();
                if (!result.isEmpty() && bytes > maxBytes) {
                    break;
                }
                result.add(entry);
            }
            return result;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Checks {@code newEntries} as {@link #persist} does, without writing, as if the log ended at
     * {@code lastIndex} (earlier writes of the same sync may have moved it): a host store checks
     * every group's write before it applies any.
     *
     * @return the last index after the write
     */
    long checkPersist(List<LogEntry> newEntries, long lastIndex) {
        lock.readLock().lock();
        try {
            checkPersistLocked(newEntries, lastIndex);
            return newEntries.isEmpty() ? lastIndex : newEntries.get(newEntries.size() - 1).index();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** {@return whether the disk holds anything: a hard state, an entry, a compacted prefix or a snapshot} */
    boolean holdsData() {
        lock.readLock().lock();
        try {
            return !hardState.equals(HardState.INITIAL) || lastIndexLocked() > 0 || snapshot != null;
        } finally {
            lock.readLock().unlock();
        }
    }

    void persist(long writer, HardState newHardState, List<LogEntry> newEntries) throws IOException {
        lock.writeLock().lock();
        try {
            checkPersistLocked(newEntries, lastIndexLocked());
            beforeWriteLocked(writer, "persist");
            if (!newEntries.isEmpty()) {
                truncateFromLocked(newEntries.get(0).index());
                entries.addAll(newEntries);
            }
            if (newHardState != null) {
                hardState = newHardState;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    void compact(long writer, long throughIndex) throws IOException {
        lock.writeLock().lock();
        try {
            if (throughIndex > lastIndexLocked()) {
                throw new IllegalArgumentException("compact(" + throughIndex + ") is beyond the last index "
                        + lastIndexLocked() + " of memory disk " + name);
            }
            if (throughIndex <= startIndex) {
                return;
            }
            long newStartTerm = readLocked(throughIndex).term();
            beforeWriteLocked(writer, "compact");
            entries.subList(0, (int) (throughIndex - startIndex)).clear();
            corrupt.removeIf(index -> index <= throughIndex);
            startIndex = throughIndex;
            startTerm = newStartTerm;
        } finally {
            lock.writeLock().unlock();
        }
    }

    void reset(long writer, long index, long term) throws IOException {
        lock.writeLock().lock();
        try {
            beforeWriteLocked(writer, "reset");
            entries.clear();
            corrupt.clear();
            startIndex = index;
            startTerm = term;
        } finally {
            lock.writeLock().unlock();
        }
    }

    void commitSnapshot(long writer, SnapshotMeta meta, byte[] data) throws IOException {
        lock.writeLock().lock();
        try {
            beforeWriteLocked(writer, "snapshot commit");
            snapshot = new StoredSnapshot(meta, data, StoredSnapshot.INTACT);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Returns the latest snapshot, or null if none was committed. */
    StoredSnapshot snapshot() {
        lock.readLock().lock();
        try {
            return snapshot;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * A committed snapshot: its metadata, its data (never modified after commit), and the offset
     * {@link #corruptSnapshot} marked, or {@link #INTACT}.
     */
    record StoredSnapshot(SnapshotMeta meta, byte[] data, long corruptAt) {

        /** The {@code corruptAt} of a snapshot with no corrupt byte. */
        static final long INTACT = -1;
    }

    private void checkPersistLocked(List<LogEntry> newEntries, long lastIndex) {
        if (newEntries.isEmpty()) {
            return;
        }
        long first = newEntries.get(0).index();
        if (first <= startIndex || first > lastIndex + 1) {
            throw new IllegalArgumentException("persist: first entry index " + first + " must be in ["
                    + (startIndex + 1) + ", " + (lastIndex + 1) + "] of memory disk " + name);
        }
        for (int i = 1; i < newEntries.size(); i++) {
            if (newEntries.get(i).index() != first + i) {
                throw new IllegalArgumentException("persist: entries are not contiguous: index "
                        + newEntries.get(i).index() + " follows " + newEntries.get(i - 1).index());
            }
        }
    }

    private long lastIndexLocked() {
        return startIndex + entries.size();
    }

    private LogEntry readLocked(long index) throws IOException {
        if (corrupt.contains(index)) {
            throw new IOException("entry " + index + " failed its integrity check on memory disk " + name);
        }
        return entries.get((int) (index - startIndex - 1));
    }

    private void truncateFromLocked(long index) {
        entries.subList((int) (index - startIndex - 1), entries.size()).clear();
        corrupt.removeIf(i -> i >= index);
    }

    private void beforeWriteLocked(long writer, String operation) throws IOException {
        if (writer != generation) {
            throw new IOException(operation + " refused: memory disk " + name
                    + " was reopened by a newer store, this one is fenced");
        }
        if (nextWriteFault != null) {
            IOException fault = nextWriteFault;
            nextWriteFault = null;
            throw fault;
        }
        if (stickyWriteFault != null) {
            throw stickyWriteFault;
        }
    }

    private void withWriteLock(Runnable action) {
        lock.writeLock().lock();
        try {
            action.run();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
