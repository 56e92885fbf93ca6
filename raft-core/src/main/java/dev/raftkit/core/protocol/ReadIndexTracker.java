package dev.raftkit.core.protocol;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's bookkeeping of linearizable reads (ReadIndex, dissertation §6.4), batched and
 * pipelined: every read that arrives before the next confirmation round goes out joins that round,
 * so one heartbeat round confirms many reads, and a new round starts without waiting for the
 * previous one to be confirmed, so a read never waits for a round it is not part of.
 *
 * <p>A read records the commit index at its arrival and the number of the first round sent after
 * it; it is confirmed once a quorum has acknowledged that round or a later one. Rounds sent before
 * a read arrived never confirm it: a quorum may have moved on to a new leader before the read
 * arrived.
 */
final class ReadIndexTracker {

    private record Pending(long context, long index, long round) {
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Number of the latest round sent. */
    private long sentRound;

    /** Returns the number of the latest round sent, carried by every heartbeat. */
    long currentRound() {
        return sentRound;
    }

    /** Queues a read at commit index {@code index}; it joins the next round. */
    void add(long context, long index) {
        pending.add(new Pending(context, index, sentRound + 1));
    }

    /** {@return whether reads wait for a round that {@link #startRound} would send} */
    boolean roundWanted() {
        return !pending.isEmpty() && pending.peekLast().round > sentRound;
    }

    /** Starts the round the waiting reads joined; {@return its number, to carry in heartbeats} */
    long startRound() {
        return ++sentRound;
    }

    /**
     * Releases the reads whose round a quorum acknowledged.
     *
     * @param confirmedRound the highest round a quorum acknowledged
     * @param out receives the confirmed reads
     */
    void confirm(long confirmedRound, List<ReadState> out) {
        while (!pending.isEmpty() && pending.peekFirst().round <= confirmedRound) {
            Pending p = pending.pollFirst();
            out.add(new ReadState(p.context, p.index));
        }
    }

    /** Drops every pending read (the leader stepped down; the driver fails them). */
    List<Long> clear() {
        List<Long> contexts = new ArrayList<>();
        for (Pending p : pending) {
            contexts.add(p.context);
        }
        pending.clear();
        return contexts;
    }
}
