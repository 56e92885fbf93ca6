package dev.raftkit.testkit.cluster;

import dev.raftkit.Membership;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link LogStore} wrapper whose entry reads ({@link #entries}), and separately its persists,
 * wait at a {@link Gate}: holding it
 * keeps a restarted node from reading the entries it must replay, for as long as the test needs.
 * Reads on the thread that created the wrapper pass: that is the thread starting the node, which
 * scans its log for configuration entries before the node runs. Everything else goes straight to
 * the wrapped store. Thread-safe as the wrapped store is.
 */
final class GatedLogStore implements LogStore {

    private final LogStore delegate;
    private final Gate reads = new Gate();
    private final Gate persists = new Gate();
    private final Thread starter = Thread.currentThread();

    GatedLogStore(LogStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Makes later entry reads wait until {@link #releaseReads()}. */
    void holdReads() {
        reads.hold();
    }

    /** Lets held and later entry reads through. */
    void releaseReads() {
        reads.release();
    }

    /** Makes later persists wait until {@link #releasePersists()}: the node's fsync never ends. */
    void holdPersists() {
        persists.hold();
    }

    /** Lets held and later persists through. */
    void releasePersists() {
        persists.release();
    }

    /** Returns whether an entry read is waiting at the gate right now. */
    boolean readIsHeld() {
        return reads.isHoldingSomeone();
    }

    @Override
    public List<LogEntry> entries(long from, long to, long maxBytes) throws IOException {
        if (Thread.currentThread() != starter) {
            reads.pass("read of entries [" + from + ", " + to + ")");
        }
        return delegate.entries(from, to, maxBytes);
    }

    @Override
    public HardState hardState() throws IOException {
        return delegate.hardState();
    }

    @Override
    public long firstIndex() {
        return delegate.firstIndex();
    }

    @Override
    public long lastIndex() {
        return delegate.lastIndex();
    }

    @Override
    public long term(long index) throws IOException {
        return delegate.term(index);
    }

    @Override
    public void persist(HardState hardState, List<LogEntry> entries) throws IOException {
        persists.pass("persist of " + entries.size() + " entries");
        delegate.persist(hardState, entries);
    }

    @Override
    public void compact(long throughIndex) throws IOException {
        delegate.compact(throughIndex);
    }

    @Override
    public void reset(long index, long term) throws IOException {
        delegate.reset(index, term);
    }

    @Override
    public SnapshotWriter beginSnapshot(long index, long term, Membership membership) throws IOException {
        return delegate.beginSnapshot(index, term, membership);
    }

    @Override
    public Optional<SnapshotMeta> latestSnapshot() throws IOException {
        return delegate.latestSnapshot();
    }

    @Override
    public InputStream openSnapshot(SnapshotMeta meta) throws IOException {
        return delegate.openSnapshot(meta);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
