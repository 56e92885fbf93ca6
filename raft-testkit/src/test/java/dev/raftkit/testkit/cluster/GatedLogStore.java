package dev.raftkit.testkit.cluster;

import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.testkit.tck.ForwardingLogStore;
import java.io.IOException;
import java.util.List;

/**
 * A {@link LogStore} wrapper whose entry reads ({@link #entries}), and separately its persists,
 * wait at a {@link Gate}: holding it
 * keeps a restarted node from reading the entries it must replay, for as long as the test needs.
 * Reads on the thread that created the wrapper pass: that is the thread starting the node, which
 * scans its log for configuration entries before the node runs. Everything else goes straight to
 * the wrapped store. Thread-safe as the wrapped store is.
 */
final class GatedLogStore extends ForwardingLogStore {

    private final Gate reads = new Gate();
    private final Gate persists = new Gate();
    private final Thread starter = Thread.currentThread();

    GatedLogStore(LogStore delegate) {
        super(delegate);
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
    public void persist(HardState hardState, List<LogEntry> entries) throws IOException {
        persists.pass("persist of " + entries.size() + " entries");
        delegate.persist(hardState, entries);
    }
}
