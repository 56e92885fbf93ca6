package dev.raftkit.core.protocol;

import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The core's view of the replicated log: a durable prefix in the {@link LogStore} and an in-memory
 * tail holding entries not yet durable plus a bounded cache of recent durable ones.
 *
 * <p>Invariants: {@code applying <= committed}; {@code stable <= lastIndex()}; every
 * entry at an index {@code >= memFirst} is read from memory, every one below from the store, where
 * it is durable and matches this log. Only the core's thread uses this class; the store is read,
 * never written, here (the driver persists what {@link #takeUnpersisted()} hands out).
 */
final class RaftLog {

    /**
     * The most entries a read sizes its list for up front: a read usually returns every entry it
     * asks for (a follower's whole backlog), and growing the list copied it again and again.
     */
    private static final int PRESIZED_ENTRIES = 1024;

    /** How many durable entries the tail keeps for replication before trimming. */
    private static final int CACHED_DURABLE_ENTRIES = 8192;

    private final LogStore store;
    private final ConfigTracker configs;
    private final List<LogEntry> mem = new ArrayList<>();
    /** First index still in the log; the store may hold older entries whose compaction is queued. */
    private long firstIndex;
    /** Last index covered by the latest snapshot, 0 if none; its term is {@link #snapshotTerm}. */
    private long snapshotIndex;
    private long snapshotTerm;
    /** Index of {@code mem.get(0)}; when {@code mem} is empty, {@code lastIndex() + 1}. */
    private long memFirst;
    /** Highest index known durable and matching this log. */
    private long stable;
    /** Highest index already handed out for persistence. */
    private long persistRequested;
    private long committed;
    /** Highest index handed to the applier. */
    private long applying;

    RaftLog(LogStore store, ConfigTracker configs, long committed, long applied, long snapshotIndex,
            long snapshotTerm) {
        this.store = store;
        this.configs = configs;
        long last = store.lastIndex();
        this.firstIndex = store.firstIndex();
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
        this.memFirst = last + 1;
        this.stable = last;
        this.persistRequested = last;
        this.committed = Math.min(Math.max(committed, applied), last);
        this.applying = applied;
    }

    long firstIndex() {
        return firstIndex;
    }

    /** Reads the durable log once at start so the configuration entries in it take effect. */
    void recoverConfigs() {
        long next = firstIndex;
        while (next <= lastIndex()) {
            List<LogEntry> chunk = entries(next, lastIndex() + 1, 4L << 20);
            configs.appended(chunk);
            next += chunk.size();
        }
    }

    long snapshotIndex() {
        return snapshotIndex;
    }

    long lastIndex() {
        return memFirst + mem.size() - 1;
    }

    long lastTerm() {
        return term(lastIndex());
    }

    long committed() {
        return committed;
    }

    long stable() {
        return stable;
    }

    long applying() {
        return applying;
    }

    /**
     * Returns the term at {@code index}, or -1 if the index is beyond the log or compacted away.
     */
    long term(long index) {
        if (index > lastIndex()) {
            return -1;
        }
        if (index >= memFirst) {
            return mem.get((int) (index - memFirst)).term();
        }
        if (index == snapshotIndex && index > 0) {
            return snapshotTerm;
        }
        if (index < firstIndex - 1) {
            return -1;
        }
        try {
            return store.term(index);
        } catch (IOException e) {
            throw new StorageFault("reading the term of index " + index, e);
        }
    }

    /** Returns whether the log holds {@code (index, term)}. */
    boolean matchTerm(long index, long term) {
        return term(index) == term;
    }

    /**
     * Walks back from {@code index} (or the last index, if lower) to the last index whose term is
     * at most {@code maxTerm}, stopping at {@code floor} or at an index whose term is unknown here.
     * Both sides of a rejected append use it: the follower to hint where its log may match, the
     * leader to jump over the follower's conflicting term (dissertation §5.3's optimisation).
     */
    long lastIndexAtOrBelowTerm(long index, long maxTerm, long floor) {
        long i = Math.min(index, lastIndex());
        while (i > floor) {
            long t = term(i);
            if (t < 0 || t <= maxTerm) {
                break;
            }
            i--;
        }
        return i;
    }

    /**
     * Returns whether a log ending at {@code (lastIndex, lastTerm)} is at least as up to date as this
     * one (Raft §5.4.1).
     */
    boolean isUpToDate(long lastIndex, long lastTerm) {
        long myTerm = lastTerm();
        return lastTerm > myTerm || (lastTerm == myTerm && lastIndex >= lastIndex());
    }

    /**
     * Reads entries {@code [from, to)}, at most about {@code maxBytes} but at least one.
     */
    List<LogEntry> entries(long from, long to, long maxBytes) {
        List<LogEntry> out = new ArrayList<>((int) Math.min(Math.max(to - from, 0), PRESIZED_ENTRIES));
        long bytes = 0;
        long next = from;
        if (next < memFirst) {
            try {
                List<LogEntry> stored = store.entries(next, Math.min(to, memFirst), maxBytes);
                for (LogEntry e : stored) {
                    out.add(e);
                    bytes += e.sizeBytes();
                }
                next += stored.size();
            } catch (IOException e) {
                throw new StorageFault("reading entries from " + from, e);
            }
            if (next < Math.min(to, memFirst)) {
                return out;
            }
        }
        while (next < to) {
            LogEntry e = mem.get((int) (next - memFirst));
            if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                break;
            }
            out.add(e);
            bytes += e.sizeBytes();
            next++;
        }
        return out;
    }

    /** Appends entries created by this node as leader, right after the last one. */
    void append(List<LogEntry> entries) {
        if (!entries.isEmpty() && entries.get(0).index() != lastIndex() + 1) {
            throw new IllegalStateException("append at " + entries.get(0).index() + " leaves a gap after "
                    + lastIndex());
        }
        mem.addAll(entries);
        configs.appended(entries);
    }

    /**
     * Applies a leader's AppendEntries (Raft §5.3): if this log holds {@code (prevIndex, prevTerm)},
     * keeps the entries that already match, truncates at the first conflict and appends the rest.
     *
     * @return the index of the last entry of the request now in this log, or -1 on mismatch
     * @throws IllegalStateException if a committed entry would be overwritten (never allowed)
     */
    long maybeAppend(long prevIndex, long prevTerm, List<LogEntry> entries) {
        if (!matchTerm(prevIndex, prevTerm)) {
            return -1;
        }
        long lastNew = prevIndex + entries.size();
        for (int i = 0; i < entries.size(); i++) {
            LogEntry e = entries.get(i);
            if (term(e.index()) != e.term()) {
                if (e.index() <= committed) {
                    throw new IllegalStateException("entry " + e.index() + " of term " + e.term()
                            + " conflicts with the committed entry of term " + term(e.index())
                            + " (commit index " + committed + ")");
                }
                truncateAndAppend(entries.subList(i, entries.size()));
                break;
            }
        }
        return lastNew;
    }

    private void truncateAndAppend(List<LogEntry> entries) {
        long from = entries.get(0).index();
        if (from <= lastIndex()) {
            configs.truncatedFrom(from);
            if (from >= memFirst) {
                mem.subList((int) (from - memFirst), mem.size()).clear();
            } else {
                mem.clear();
                memFirst = from;
            }
            stable = Math.min(stable, from - 1);
            persistRequested = Math.min(persistRequested, from - 1);
        }
        mem.addAll(entries);
        configs.appended(entries);
    }

    /** Returns whether some entries were not yet handed out for persistence. */
    boolean hasUnpersisted() {
        return persistRequested < lastIndex();
    }

    /** Returns whether committed, durable entries wait to be handed to the applier. */
    boolean hasCommittedToApply() {
        return Math.min(committed, stable) > applying;
    }

    /** Hands out the entries not yet sent for persistence, in order. */
    List<LogEntry> takeUnpersisted() {
        long last = lastIndex();
        if (persistRequested >= last) {
            return List.of();
        }
        List<LogEntry> out = List.copyOf(mem.subList((int) (persistRequested + 1 - memFirst), mem.size()));
        persistRequested = last;
        return out;
    }

    /**
     * Records that the log up to {@code (index, term)} is durable; ignored if the log has since
     * changed at that index.
     */
    void stableTo(long index, long term) {
        if (index > stable && index <= lastIndex() && term(index) == term) {
            stable = index;
            trimCache();
        }
    }

    private void trimCache() {
        long durableInMem = Math.min(stable, applying) - memFirst + 1;
        if (durableInMem > 2L * CACHED_DURABLE_ENTRIES) {
            int drop = (int) (durableInMem - CACHED_DURABLE_ENTRIES);
            mem.subList(0, drop).clear();
            memFirst += drop;
        }
    }

    /** Records a snapshot covering the log through {@code (index, term)}. */
    void snapshotTaken(long index, long term) {
        if (index > snapshotIndex) {
            snapshotIndex = index;
            snapshotTerm = term;
        }
    }

    /**
     * Drops entries through {@code index} from this view; the caller has the store compact them
     * afterwards, so no read reaches an entry being compacted.
     */
    void compactTo(long index) {
        if (index < firstIndex) {
            return;
        }
        if (index >= memFirst) {
            mem.subList(0, (int) (Math.min(index, lastIndex()) - memFirst + 1)).clear();
            memFirst = index + 1;
        }
        firstIndex = index + 1;
        configs.compactedTo(index);
    }

    /**
     * Makes an installed snapshot the start of the log: entries after it are kept when
     * {@code keepSuffix} (the log matched the snapshot's position), else the log restarts empty
     * after it. Everything through the snapshot counts as committed and applied.
     */
    void installSnapshot(long index, long term, boolean keepSuffix) {
        if (keepSuffix) {
            compactTo(index);
        } else {
            mem.clear();
            memFirst = index + 1;
            firstIndex = index + 1;
            stable = index;
            persistRequested = index;
        }
        snapshotTaken(index, term);
        committed = Math.max(committed, index);
        applying = Math.max(applying, index);
    }

    /** Raises the commit index (never lowers it), capped at the last index. */
    boolean commitTo(long index) {
        long target = Math.min(index, lastIndex());
        if (target > committed) {
            committed = target;
            return true;
        }
        return false;
    }

    /** Hands out committed, durable entries not yet given to the applier, at most about maxBytes. */
    List<LogEntry> takeCommitted(long maxBytes) {
        long upTo = Math.min(committed, stable);
        if (applying >= upTo) {
            return List.of();
        }
        List<LogEntry> out = entries(applying + 1, upTo + 1, maxBytes);
        applying += out.size();
        trimCache();
        return out;
    }
}
