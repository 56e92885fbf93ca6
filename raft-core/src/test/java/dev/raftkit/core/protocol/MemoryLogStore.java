package dev.raftkit.core.protocol;

import dev.raftkit.Membership;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A list-backed {@link LogStore} for the core's scenario tests: what {@link #persist} stores is
 * "durable" (it survives {@link TestCluster#crash}). No compaction or snapshots: the core does use
 * them, but these scenarios never take one (raft-testkit's simulator and snapshot tests cover them),
 * so those methods throw. raft-core cannot use raft-testkit's stores (Maven cycle).
 */
final class MemoryLogStore implements LogStore {

    private final List<LogEntry> entries = new ArrayList<>();
    private HardState hardState = HardState.INITIAL;

    /** Returns a store holding entries 1..n whose terms are {@code terms}, and the hard state {@code hs}. */
    static MemoryLogStore withTerms(HardState hs, long... terms) {
        MemoryLogStore store = new MemoryLogStore();
        List<LogEntry> log = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            log.add(new LogEntry(i + 1, terms[i], EntryKind.COMMAND, ("preset-" + (i + 1)).getBytes()));
        }
        store.persist(hs, log);
        return store;
    }

    @Override
    public HardState hardState() {
        return hardState;
    }

    @Override
    public long firstIndex() {
        return 1;
    }

    @Override
    public long lastIndex() {
        return entries.size();
    }

    @Override
    public long term(long index) {
        if (index < 0 || index > lastIndex()) {
            throw new IllegalArgumentException("index " + index + " outside [0, " + lastIndex() + "]");
        }
        return index == 0 ? 0 : entries.get((int) index - 1).term();
    }

    @Override
    public List<LogEntry> entries(long from, long to, long maxBytes) {
        if (from < 1 || to > lastIndex() + 1 || to < from) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") outside the log [1, "
                    + lastIndex() + "]");
        }
        List<LogEntry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = from; i < to; i++) {
            LogEntry e = entries.get((int) i - 1);
            if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                break;
            }
            out.add(e);
            bytes += e.sizeBytes();
        }
        return out;
    }

    @Override
    public void persist(HardState hs, List<LogEntry> newEntries) {
        if (!newEntries.isEmpty()) {
            long first = newEntries.get(0).index();
            if (first < 1 || first > lastIndex() + 1) {
                throw new IllegalArgumentException("entries from " + first + " leave a gap after " + lastIndex());
            }
            entries.subList((int) first - 1, entries.size()).clear();
            for (LogEntry e : newEntries) {
                if (e.index() != lastIndex() + 1) {
                    throw new IllegalArgumentException("entries not contiguous at " + e.index());
                }
                entries.add(e);
            }
        }
        if (hs != null) {
            hardState = hs;
        }
    }

    /**
     * Loses the last {@code count} durable entries, as a disk that broke its promise would (the
     * commit index of the hard state is clamped to what is left).
     */
    void loseLast(int count) {
        entries.subList(entries.size() - count, entries.size()).clear();
        hardState = new HardState(hardState.term(), hardState.votedFor(),
                Math.min(hardState.commitIndex(), lastIndex()));
    }

    /** Returns the durable log, in index order. */
    List<LogEntry> log() {
        return List.copyOf(entries);
    }

    @Override
    public void compact(long throughIndex) {
        throw new UnsupportedOperationException("compaction is not used by the core tests");
    }

    @Override
    public void reset(long index, long term) {
        throw new UnsupportedOperationException("reset is not used by the core tests");
    }

    @Override
    public SnapshotWriter beginSnapshot(long index, long term, Membership membership) {
        throw new UnsupportedOperationException("snapshots are not used by the core tests");
    }

    @Override
    public Optional<SnapshotMeta> latestSnapshot() {
        return Optional.empty();
    }

    @Override
    public InputStream openSnapshot(SnapshotMeta meta) {
        throw new UnsupportedOperationException("snapshots are not used by the core tests");
    }

    @Override
    public void close() {
    }
}
