package dev.raftkit.bench.cluster;

import dev.raftkit.GroupId;
import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.testkit.tck.ForwardingLogStore;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * A host's log store that counts its durable writes, handing every call to the real store. The SPI
 * makes each {@link #persist} one durable sync for every group it carries, and each group's own
 * {@code persist}, {@code compact} and {@code reset} one sync of that group's writes: their count is
 * the host's fsyncs as the engine asks for them, whatever the store behind does to serve them.
 */
final class CountingHostLogStore implements HostLogStore {

    private final HostLogStore delegate;
    private final LongAdder syncs = new LongAdder();

    CountingHostLogStore(HostLogStore delegate) {
        this.delegate = delegate;
    }

    /** {@return the durable writes asked of this store so far} */
    long syncs() {
        return syncs.sum();
    }

    @Override
    public LogStore group(GroupId group) throws IOException {
        return new CountingLogStore(delegate.group(group));
    }

    @Override
    public void persist(List<GroupWrite> writes) throws IOException {
        delegate.persist(writes);
        syncs.increment();
    }

    @Override
    public void deleteGroup(GroupId group) throws IOException {
        delegate.deleteGroup(group);
    }

    @Override
    public Set<GroupId> groups() throws IOException {
        return delegate.groups();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    /** One group's store of the host, counting its durable writes in the host's count. */
    private final class CountingLogStore extends ForwardingLogStore {

        CountingLogStore(LogStore group) {
            super(group);
        }

        @Override
        public void persist(HardState hardState, List<LogEntry> entries) throws IOException {
            delegate.persist(hardState, entries);
            syncs.increment();
        }

        @Override
        public void compact(long throughIndex) throws IOException {
            delegate.compact(throughIndex);
            syncs.increment();
        }

        @Override
        public void reset(long index, long term) throws IOException {
            delegate.reset(index, term);
            syncs.increment();
        }
    }
}
