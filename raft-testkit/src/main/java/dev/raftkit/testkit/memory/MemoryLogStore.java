package dev.raftkit.testkit.memory;

import dev.raftkit.Membership;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.SnapshotWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link LogStore} that keeps everything on a {@link MemoryDisk}. Every mutating call is atomic and
 * counts as durable once it returns: the disk survives this store, so a node reopened on the same
 * disk recovers all of it. Entry payloads are shared, not copied ({@link LogEntry} payloads are
 * immutable by contract).
 *
 * <p>Threading as the SPI states: one writer at a time, reads from any thread concurrently with it.
 * After {@link #close()} every call but {@code close} throws {@link IllegalStateException}.
 */
public final class MemoryLogStore implements LogStore {

    private final MemoryDisk disk;
    private final long generation;
    private final Runnable onSync;
    private final Runnable onClose;
    private volatile boolean closed;

    /**
     * Opens a store on {@code disk}, recovering what it holds. A store opened earlier on the same
     * disk is fenced: its later writes fail with an {@link IOException}.
     *
     * @param disk the node's disk
     */
    public MemoryLogStore(MemoryDisk disk) {
        this(disk, () -> { }, () -> { });
    }

    /**
     * Opens a store on {@code disk} as a group's view of a {@link MemoryHostLogStore}, which hears
     * each of the view's syncs and its close.
     *
     * @param onSync runs after each {@link #persist}
     * @param onClose runs once, at the first {@link #close}
     */
    MemoryLogStore(MemoryDisk disk, Runnable onSync, Runnable onClose) {
        this.disk = Objects.requireNonNull(disk, "disk");
        this.onSync = onSync;
        this.onClose = onClose;
        this.generation = disk.attach();
    }

    /** {@return the disk this store keeps its state on} */
    public MemoryDisk disk() {
        return disk;
    }

    @Override
    public HardState hardState() {
        checkOpen();
        return disk.hardState();
    }

    @Override
    public long firstIndex() {
        checkOpen();
        return disk.firstIndex();
    }

    @Override
    public long lastIndex() {
        checkOpen();
        return disk.lastIndex();
    }

    @Override
    public long term(long index) throws IOException {
        checkOpen();
        return disk.term(index);
    }

    @Override
    public List<LogEntry> entries(long from, long to, long maxBytes) throws IOException {
        checkOpen();
        return disk.entries(from, to, maxBytes);
    }

    @Override
    public void persist(HardState hardState, List<LogEntry> entries) throws IOException {
        Objects.requireNonNull(entries, "entries");
        checkOpen();
        disk.persist(generation, hardState, entries);
        onSync.run();
    }

    @Override
    public void compact(long throughIndex) throws IOException {
        checkOpen();
        disk.compact(generation, throughIndex);
    }

    @Override
    public void reset(long index, long term) throws IOException {
        if (index < 0 || term < 0 || (index == 0) != (term == 0)) {
            throw new IllegalArgumentException("reset(" + index + ", " + term
                    + "): index and term must be >= 0, and term is 0 exactly when index is 0");
        }
        checkOpen();
        disk.reset(generation, index, term);
    }

    @Override
    public SnapshotWriter beginSnapshot(long index, long term, Membership membership) {
        Objects.requireNonNull(membership, "membership");
        if (index < 1 || term < 1) {
            throw new IllegalArgumentException("beginSnapshot: index and term must be >= 1, were "
                    + index + " and " + term);
        }
        checkOpen();
        return new MemorySnapshotWriter(data -> {
            checkOpen();
            SnapshotMeta meta = new SnapshotMeta(index, term, membership, data.length, Crc32c.of(data));
            disk.commitSnapshot(generation, meta, data);
            return meta;
        });
    }

    @Override
    public Optional<SnapshotMeta> latestSnapshot() {
        checkOpen();
        return Optional.ofNullable(disk.snapshot()).map(MemoryDisk.StoredSnapshot::meta);
    }

    @Override
    public InputStream openSnapshot(SnapshotMeta meta) throws IOException {
        Objects.requireNonNull(meta, "meta");
        checkOpen();
        MemoryDisk.StoredSnapshot stored = disk.snapshot();
        if (stored == null || !stored.meta().equals(meta)) {
            throw new IOException("snapshot " + meta + " is no longer stored on memory disk " + disk.name()
                    + (stored == null ? " (it holds none)" : " (latest is " + stored.meta() + ")"));
        }
        if (stored.corruptAt() != MemoryDisk.StoredSnapshot.INTACT) {
            throw new IOException("snapshot " + meta.index() + " failed its integrity check at offset "
                    + stored.corruptAt() + " on memory disk " + disk.name());
        }
        // The stored array is never modified, so the stream stays valid after a newer commit.
        return new ByteArrayInputStream(stored.data());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            onClose.run();
        }
    }

    /**
     * Checks that this store is open, then a write as if the log ended at {@code lastIndex},
     * without writing; see {@link MemoryHostLogStore#persist}.
     *
     * @return the last index after the write
     */
    long checkPersist(List<LogEntry> entries, long lastIndex) {
        checkOpen();
        return disk.checkPersist(entries, lastIndex);
    }

    /** Persists one group's part of a host's sync, which counts the sync itself. */
    void persistInSync(HardState hardState, List<LogEntry> entries) throws IOException {
        checkOpen();
        disk.persist(generation, hardState, entries);
    }

    @Override
    public String toString() {
        return "MemoryLogStore[" + disk.name() + "]";
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("memory log store on " + disk.name() + " is closed");
        }
    }
}
