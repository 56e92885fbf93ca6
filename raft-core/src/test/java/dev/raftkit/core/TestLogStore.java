package dev.raftkit.core;

import dev.raftkit.Membership;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A log store in memory for raft-core's tests: the engine's unit tests (which can make it fail its
 * next persist) and the protocol scenarios of {@code core.protocol}, where what {@link #persist}
 * stored is "durable" (it survives a simulated crash) and a disk can lose what it promised
 * ({@link #loseLast}). raft-core cannot use raft-testkit's stores (Maven cycle). Not thread-safe:
 * the tests drive a node from one thread.
 */
public final class TestLogStore implements LogStore {

    private HardState hardState = HardState.INITIAL;
    /** The position the log continues from: index and term of the entry before the first. */
    private long baseIndex;
    private long baseTerm;
    private final List<LogEntry> entries = new ArrayList<>();
    private SnapshotMeta snapshot;
    private byte[] snapshotData;
    private IOException nextPersistFailure;
    private Runnable beforePersist = () -> { };
    private int persists;
    private boolean closed;

    /** Returns a store holding entries 1..n whose terms are {@code terms}, and the hard state {@code hs}. */
    public static TestLogStore withTerms(HardState hs, long... terms) {
        TestLogStore store = new TestLogStore();
        for (int i = 0; i < terms.length; i++) {
            store.entries.add(new LogEntry(i + 1, terms[i], EntryKind.COMMAND, ("preset-" + (i + 1)).getBytes()));
        }
        store.hardState = hs;
        return store;
    }

    /**
     * Loses the last {@code count} durable entries, as a disk that broke its promise would (the
     * commit index of the hard state is clamped to what is left).
     */
    public void loseLast(int count) {
        entries.subList(entries.size() - count, entries.size()).clear();
        hardState = new HardState(hardState.term(), hardState.votedFor(),
                Math.min(hardState.commitIndex(), lastIndex()));
    }

    /** Returns the durable log after the snapshot base, in index order. */
    public List<LogEntry> log() {
        return List.copyOf(entries);
    }

    /** Makes the next {@link #persist} throw {@code failure} and store nothing. */
    void failNextPersist(IOException failure) {
        nextPersistFailure = failure;
    }

    /** Runs {@code hook} at the start of every {@link #persist}, on the thread that persists. */
    void beforePersist(Runnable hook) {
        beforePersist = hook;
    }

    /** {@return how many persist calls stored something} */
    int persists() {
        return persists;
    }

    /** {@return whether the store was closed} */
    boolean closed() {
        return closed;
    }

    @Override
    public HardState hardState() {
        return hardState;
    }

    @Override
    public long firstIndex() {
        return baseIndex + 1;
    }

    @Override
    public long lastIndex() {
        return baseIndex + entries.size();
    }

    @Override
    public long term(long index) {
        if (index < baseIndex || index > lastIndex()) {
            throw new IllegalArgumentException("index " + index + " outside [" + baseIndex + ", " + lastIndex() + "]");
        }
        return index == baseIndex ? baseTerm : entries.get((int) (index - baseIndex - 1)).term();
    }

    @Override
    public List<LogEntry> entries(long from, long to, long maxBytes) {
        if (from < firstIndex() || to > lastIndex() + 1 || from > to) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") outside the log");
        }
        List<LogEntry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = from; i < to; i++) {
            LogEntry entry = entries.get((int) (i - baseIndex - 1));
            bytes += entry.sizeBytes();
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(entry);
        }
        return out;
    }

    @Override
    public void persist(HardState newHardState, List<LogEntry> newEntries) throws IOException {
        beforePersist.run();
        if (nextPersistFailure != null) {
            IOException failure = nextPersistFailure;
            nextPersistFailure = null;
            throw failure;
        }
        if (!newEntries.isEmpty()) {
            long first = newEntries.get(0).index();
            if (first <= baseIndex || first > lastIndex() + 1) {
                throw new IllegalArgumentException("entries from " + first + " do not continue the log ("
                        + firstIndex() + ".." + lastIndex() + ")");
            }
            entries.subList((int) (first - baseIndex - 1), entries.size()).clear();
            for (LogEntry entry : newEntries) {
                if (entry.index() != lastIndex() + 1) {
                    throw new IllegalArgumentException("entries not contiguous at " + entry.index());
                }
                entries.add(entry);
            }
        }
        if (newHardState != null) {
            hardState = newHardState;
        }
        persists++;
    }

    @Override
    public void compact(long throughIndex) {
        if (throughIndex < firstIndex()) {
            return;
        }
        long term = term(throughIndex);
        entries.subList(0, (int) (throughIndex - baseIndex)).clear();
        baseIndex = throughIndex;
        baseTerm = term;
    }

    @Override
    public void reset(long index, long term) {
        entries.clear();
        baseIndex = index;
        baseTerm = term;
    }

    @Override
    public SnapshotWriter beginSnapshot(long index, long term, Membership membership) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return new SnapshotWriter() {
            @Override
            public OutputStream output() {
                return out;
            }

            @Override
            public SnapshotMeta commit() {
                CRC32C crc = new CRC32C();
                crc.update(out.toByteArray());
                snapshotData = out.toByteArray();
                snapshot = new SnapshotMeta(index, term, membership, snapshotData.length, crc.getValue());
                return snapshot;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public Optional<SnapshotMeta> latestSnapshot() {
        return Optional.ofNullable(snapshot);
    }

    @Override
    public InputStream openSnapshot(SnapshotMeta meta) throws IOException {
        if (!meta.equals(snapshot)) {
            throw new IOException("snapshot " + meta.index() + " is not stored");
        }
        return new ByteArrayInputStream(snapshotData);
    }

    @Override
    public void close() {
        closed = true;
    }
}
