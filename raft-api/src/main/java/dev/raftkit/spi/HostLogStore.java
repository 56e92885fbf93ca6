package dev.raftkit.spi;

import dev.raftkit.GroupId;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * The log store of a {@link dev.raftkit.RaftHost}: every group's log, hard state and snapshots in
 * one place (for example one LMDB environment and one journal), so that one durable sync makes
 * several groups' appends durable (group commit across groups).
 *
 * <h2>Groups</h2>
 * {@link #group} opens one group's {@link LogStore}, which keeps the whole {@link LogStore}
 * contract for that group alone; no call on it sees or changes another group's data. Closing it
 * releases the group, not the host's store.
 *
 * <h2>Threading</h2>
 * {@link #persist} and the group stores' methods may be called from several threads at once, but
 * the engine never calls two methods of one group's store concurrently.
 *
 * <p>Implementers: {@code dev.raftkit.testkit.tck.LogStoreTck} checks these obligations.
 */
public interface HostLogStore extends AutoCloseable {

    /**
     * Opens (creating if needed) one group's log, recovering whatever of it was durable.
     *
     * @param group the group
     * @return the group's store
     * @throws IllegalStateException if the group's store is open already, or this store is closed
     * @throws IOException if it cannot be opened
     */
    LogStore group(GroupId group) throws IOException;

    /**
     * Makes several groups' writes durable with one sync. Each write has the effect, and the
     * argument rules, of {@link LogStore#persist} on its group's store, which must be open; writes
     * of one group apply in list order. Either every write is durable when this returns, or it
     * throws.
     *
     * @param writes the writes, possibly of many groups
     * @throws IllegalArgumentException if a write breaks {@link LogStore#persist}'s rules (nothing
     *     of the call is stored then) or names a group that is not open
     * @throws IOException if they cannot be made durable
     */
    void persist(List<GroupWrite> writes) throws IOException;

    /**
     * Durably deletes a group's log, hard state and snapshots, leaving every other group's data
     * untouched. Does nothing for a group without data.
     *
     * @param group the group, which must not be open
     * @throws IllegalStateException if the group's store is open
     * @throws IOException if the data cannot be deleted
     */
    void deleteGroup(GroupId group) throws IOException;

    /**
     * {@return the groups that have data in this store, open or not}
     *
     * @throws IOException if the store cannot be read
     */
    Set<GroupId> groups() throws IOException;

    /** Closes every open group's store and the shared files. Idempotent. */
    @Override
    void close() throws IOException;
}
