package dev.raftkit.bench.cluster;

import dev.raftkit.GroupId;
import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.testkit.tck.ForwardingHostLogStore;
import dev.raftkit.testkit.tck.ForwardingLogStore;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A host's log store that counts its durable writes and times the host-wide ones, handing every
 * call to the real store. The SPI makes each {@link #persist} one durable sync for every group it
 * carries, and each group's own {@code persist}, {@code compact} and {@code reset} one sync of that
 * group's writes: their count is the host's fsyncs as the engine asks for them, whatever the store
 * behind does to serve them. The time each {@link #persist} takes shows the store's stalls (an
 * LMDB store's checkpoints, say), which hold up every group of the host.
 */
final class CountingHostLogStore extends ForwardingHostLogStore {

    private final LongAdder syncs = new LongAdder();
    /** Microseconds per host-wide persist, from 1 µs to an hour. */
    private final Recorder persistMicros = new Recorder(3_600_000_000L, 3);

    CountingHostLogStore(HostLogStore delegate) {
        super(delegate);
    }

    /**
     * {@return the microseconds each host-wide persist took since the last call (or since the store
     * opened)}
     */
    Histogram persistMicrosSinceLastCall() {
        return persistMicros.getIntervalHistogram();
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
        long start = System.nanoTime();
        delegate.persist(writes);
        persistMicros.recordValue(Math.max(1, (System.nanoTime() - start) / 1_000));
        syncs.increment();
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
