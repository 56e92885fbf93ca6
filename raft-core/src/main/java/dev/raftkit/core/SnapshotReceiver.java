package dev.raftkit.core;

import dev.raftkit.core.protocol.SnapshotChunk;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.IOException;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a snapshot received from the leader, chunk by chunk, into the log store (storage thread
 * only). On the last chunk it checks size and CRC32C against the leader's metadata before
 * committing, then compacts the log through the snapshot (when the log matched it) or resets it,
 * and reports the outcome.
 */
final class SnapshotReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceiver.class);

    private final String nodeId;
    private final LogStore store;
    private final Object commitLock;
    private final BiConsumer<SnapshotMeta, Boolean> outcome;
    /** The runtime's monotonic clock, in nanoseconds: the simulator replays it exactly. */
    private final LongSupplier clock;
    private SnapshotWriter writer;
    private SnapshotMeta meta;
    private CRC32C crc;
    private long written;
    /** When the snapshot's first chunk arrived, and the last tenth of it logged. */
    private long startedNanos;
    private long loggedTenths;

    /**
     * @param commitLock held while committing, as the applier does for its own snapshots
     * @param outcome told the snapshot and whether it was installed (false: checksum mismatch)
     * @param clock the runtime's monotonic clock, in nanoseconds, to time the transfer
     */
    SnapshotReceiver(String nodeId, LogStore store, Object commitLock, BiConsumer<SnapshotMeta, Boolean> outcome,
            LongSupplier clock) {
        this.nodeId = nodeId;
        this.store = store;
        this.commitLock = commitLock;
        this.outcome = outcome;
        this.clock = clock;
    }

    /** Writes one chunk; chunks of one snapshot arrive in order, offset 0 first. */
    void write(SnapshotChunk chunk) throws IOException {
        if (chunk.offset() == 0) {
            abandon();
            meta = chunk.meta();
            writer = store.beginSnapshot(meta.index(), meta.term(), meta.membership());
            crc = new CRC32C();
            written = 0;
            startedNanos = clock.getAsLong();
            loggedTenths = 0;
            LOG.info("[{}] receiving snapshot {} term {} ({} bytes)", nodeId, meta.index(), meta.term(),
                    meta.sizeBytes());
        } else if (writer == null || !chunk.meta().equals(meta) || chunk.offset() != written) {
            throw new IllegalStateException("snapshot chunk at offset " + chunk.offset() + " of snapshot "
                    + chunk.meta().index() + " does not continue what was written (" + written + " bytes of "
                    + (meta == null ? "none" : meta.index()) + ")");
        }
        writer.output().write(chunk.data());
        crc.update(chunk.data());
        written += chunk.data().length;
        long tenths = meta.sizeBytes() == 0 ? 10 : written * 10 / meta.sizeBytes();
        if (tenths > loggedTenths && tenths < 10) {
            loggedTenths = tenths;
            LOG.debug("[{}] snapshot {}: {} of {} bytes received ({}%)", nodeId, meta.index(), written,
                    meta.sizeBytes(), tenths * 10);
        }
        if (chunk.done()) {
            finish(chunk.keepSuffix());
        }
    }

    private void finish(boolean keepSuffix) throws IOException {
        SnapshotMeta expected = meta;
        if (written != expected.sizeBytes() || crc.getValue() != expected.crc32c()) {
            LOG.warn("[{}] received snapshot {} failed its check ({} of {} bytes, crc {} vs {}); asking again",
                    nodeId, expected.index(), written, expected.sizeBytes(), crc.getValue(), expected.crc32c());
            abandon();
            outcome.accept(expected, false);
            return;
        }
        synchronized (commitLock) {
            writer.commit();
        }
        writer = null;
        if (keepSuffix) {
            store.compact(expected.index());
        } else {
            store.reset(expected.index(), expected.term());
        }
        double seconds = Math.max(1e-9, (clock.getAsLong() - startedNanos) / 1e9);
        LOG.info("[{}] installed snapshot {} term {}: {} bytes in {} s ({} MB/s)", nodeId, expected.index(),
                expected.term(), written, String.format("%.2f", seconds), String.format("%.1f", written / 1e6 / seconds));
        outcome.accept(expected, true);
    }

    private void abandon() throws IOException {
        if (writer != null) {
            SnapshotWriter w = writer;
            writer = null;
            w.close();
        }
    }
}
