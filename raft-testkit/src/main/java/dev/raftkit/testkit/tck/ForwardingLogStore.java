package dev.raftkit.testkit.tck;

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
 * A {@link LogStore} that hands every call to another store. Extend it to watch or change a few
 * calls (count syncs, hold a persist back, close something more) and inherit the rest, instead of
 * writing out the whole interface for each test double.
 */
public abstract class ForwardingLogStore implements LogStore {

    /** The store every call goes to. */
    protected final LogStore delegate;

    /**
     * Forwards to {@code delegate}.
     *
     * @param delegate the store every call goes to
     */
    protected ForwardingLogStore(LogStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
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
    public List<LogEntry> entries(long from, long to, long maxBytes) throws IOException {
        return delegate.entries(from, to, maxBytes);
    }

    @Override
    public void persist(HardState hardState, List<LogEntry> entries) throws IOException {
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
