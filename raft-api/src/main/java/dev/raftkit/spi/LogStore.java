package dev.raftkit.spi;

import dev.raftkit.Membership;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Durable storage of one node's Raft log, hard state and snapshots.
 *
 * <h2>Shape of the log</h2>
 * The log holds the contiguous entries {@code [firstIndex(), lastIndex()]}; it is empty when
 * {@code lastIndex() == firstIndex() - 1}. Entries before {@code firstIndex()} were compacted away;
 * the store still answers {@link #term(long)} for {@code firstIndex() - 1} (0 for index 0), the
 * position the log continues from. A new store has {@code firstIndex() == 1} and
 * {@code lastIndex() == 0}.
 *
 * <h2>Threading</h2>
 * The engine calls the log's mutating methods ({@link #persist}, {@link #compact}, {@link #reset})
 * from one thread at a time. A snapshot ({@link #beginSnapshot} and the writer it returns) may be
 * written from another thread, concurrently with those, since state machines write large snapshots
 * while the log keeps growing; at most one snapshot is written at a time, and {@link #compact}
 * through a snapshot's index is called only after that snapshot committed. Read methods may be
 * called from any thread, concurrently with a mutating call, and must see the state either before
 * or after it, never a mix. Reads should not block behind a writer's fsync.
 *
 * <h2>Durability</h2>
 * When a mutating method returns, its effect is durable: a power loss right after cannot undo it.
 * A method that throws has either taken full effect or none. The engine relies on this to
 * acknowledge entries and votes; a store that acknowledges before data is durable can lose
 * acknowledged writes.
 *
 * <h2>Errors</h2>
 * {@link IOException} (including detected corruption, which must name the index and file) or
 * {@link dev.raftkit.FatalException} stops the node with {@code FatalException}; the store is not
 * called again except {@link #close()}. {@link IllegalArgumentException} marks a call that breaks
 * this contract (an engine bug), never an I/O problem. No method returns wrong data silently.
 *
 * <p>Implementers: extend {@code dev.raftkit.testkit.tck.LogStoreTck} (raft-testkit) to check every
 * obligation stated here.
 */
public interface LogStore extends AutoCloseable {

    /**
     * Returns the last persisted hard state, or {@link HardState#INITIAL} for a new store.
     *
     * @return the hard state
     * @throws IOException if it cannot be read
     */
    HardState hardState() throws IOException;

    /** {@return the index of the first entry in the log, {@code lastIndex() + 1} when empty} */
    long firstIndex();

    /** {@return the index of the last entry in the log, {@code firstIndex() - 1} when empty} */
    long lastIndex();

    /**
     * Returns the term of the entry at {@code index}.
     *
     * @param index in {@code [firstIndex() - 1, lastIndex()]}
     * @return its term; for {@code firstIndex() - 1} the term of the compacted position (0 for 0)
     * @throws IllegalArgumentException if {@code index} is outside that range
     * @throws IOException if it cannot be read
     */
    long term(long index) throws IOException;

    /**
     * Reads entries {@code [from, to)}, stopping early once their total {@link LogEntry#sizeBytes()}
     * would exceed {@code maxBytes}; at least one entry is returned when the range is not empty.
     *
     * @param from first index, at least {@code firstIndex()}
     * @param to one past the last index, at most {@code lastIndex() + 1}, at least {@code from}
     * @param maxBytes the byte budget, at least 1
     * @return the entries in index order, a prefix of the range
     * @throws IllegalArgumentException if the range is outside the log
     * @throws IOException if they cannot be read, or fail their integrity check
     */
    List<LogEntry> entries(long from, long to, long maxBytes) throws IOException;

    /**
     * Durably and atomically stores {@code hardState} (if not null) and {@code entries}. Entries
     * must be contiguous and ascending; the first must be in {@code [firstIndex(), lastIndex() + 1]}.
     * Existing entries at or after the first one's index are replaced (the log's suffix is
     * truncated there). One call costs one durable sync whatever the number of entries.
     *
     * @param hardState the new hard state, or null to keep the current one
     * @param entries the entries to append, possibly empty
     * @throws IllegalArgumentException if the entries are not contiguous or leave a gap
     * @throws IOException if they cannot be made durable; nothing is then stored
     */
    void persist(HardState hardState, List<LogEntry> entries) throws IOException;

    /**
     * Durably discards the entries up to and including {@code throughIndex}; afterwards
     * {@code firstIndex() == throughIndex + 1} and {@code term(throughIndex)} still answers. Does
     * nothing if {@code throughIndex < firstIndex()}.
     *
     * @param throughIndex at most {@code lastIndex()}
     * @throws IllegalArgumentException if {@code throughIndex > lastIndex()}
     * @throws IOException if it fails
     */
    void compact(long throughIndex) throws IOException;

    /**
     * Durably discards every entry and makes the log continue after position {@code (index, term)}:
     * afterwards {@code firstIndex() == index + 1}, {@code lastIndex() == index} and
     * {@code term(index) == term}. Used when an installed snapshot replaces a log that does not
     * match it.
     *
     * @param index the position the log continues from, at least 0
     * @param term the term at that position: 0 exactly when {@code index} is 0, else at least 1
     * @throws IllegalArgumentException if index or term is out of range
     * @throws IOException if it fails
     */
    void reset(long index, long term) throws IOException;

    /**
     * Starts writing a snapshot covering the log up to {@code index}. The snapshot becomes the
     * latest only when its writer commits.
     *
     * @param index the last included index
     * @param term the term at {@code index}
     * @param membership the configuration at {@code index}
     * @return the writer
     * @throws IOException if it cannot be started
     */
    SnapshotWriter beginSnapshot(long index, long term, Membership membership) throws IOException;

    /**
     * Returns the latest committed snapshot, if any.
     *
     * @return its metadata
     * @throws IOException if it cannot be read
     */
    Optional<SnapshotMeta> latestSnapshot() throws IOException;

    /**
     * Opens the data of the latest snapshot for reading; the caller closes the stream. A snapshot
     * being read stays readable even if a newer one commits meanwhile.
     *
     * <p>The data is verified whole before this method returns: a snapshot that is damaged,
     * truncated or missing fails here, with an {@link IOException} naming the file (or whatever
     * holds it) and the offset of the damage, before the caller sees a byte. The engine hands the
     * stream to {@link dev.raftkit.StateMachine#restoreSnapshot}, which may read no further than
     * what it wrote, so a check at the end of the stream alone is not enough. Damage that appears
     * after this check must still fail the stream's read at the damage, never return wrong bytes.
     *
     * @param meta the metadata {@link #latestSnapshot()} returned
     * @return the verified data, {@code meta.sizeBytes()} bytes long
     * @throws IOException if it cannot be opened, fails verification, or {@code meta} is no longer
     *     stored
     */
    InputStream openSnapshot(SnapshotMeta meta) throws IOException;

    /**
     * Releases the store's resources (files, memory maps, threads). Durable state stays for the
     * next open. Idempotent; nothing else may be called afterwards.
     *
     * @throws IOException if releasing fails
     */
    @Override
    void close() throws IOException;
}
