package dev.raftkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The user's replicated state: every node applies the same commands in the same order.
 *
 * <p>Threading: every method runs on the node's single apply thread, never concurrently with
 * another, so implementations need no locking for state they touch only here. Queries passed to
 * {@link Node#readLinearizable} and {@link Node#readLocal} also run on that thread, between
 * applies.
 *
 * <p>Determinism: {@link #apply} must depend only on the current state and the command (no clock,
 * randomness or I/O whose result differs between nodes), because every node, and every restart of a
 * node, replays the same log and must reach the same state. A slow {@code apply} delays later
 * applies and responses on this node, never replication or commit.
 *
 * @param <C> the command type
 * @param <R> the response type
 */
public interface StateMachine<C, R> {

    /**
     * Applies one committed command.
     *
     * @param index the log index of the command; strictly increasing across calls
     * @param command the decoded command
     * @return the response handed to the writer's future on the node that accepted the write
     */
    R apply(long index, C command);

    /**
     * Writes the whole state, as of the last applied index, to {@code out}. Called on the apply
     * thread; the node keeps replicating while it runs. Do not close {@code out}.
     *
     * @param out where to write
     * @throws IOException if writing fails; the snapshot is then abandoned and nothing is lost
     */
    void writeSnapshot(OutputStream out) throws IOException;

    /**
     * Replaces the whole state with the one in {@code in}, written earlier by
     * {@link #writeSnapshot} on some node. Do not close {@code in}.
     *
     * @param in what to read
     * @throws IOException if reading fails; the node then stops with {@link FatalException}
     */
    void restoreSnapshot(InputStream in) throws IOException;
}
