package dev.raftkit.core.protocol;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The leader's bookkeeping of linearizable reads (ReadIndex, dissertation §6.4), batched and
 * pipelined: every read that arrives before the next confirmation round goes out joins that round,
 * so one heartbeat round confirms many reads, and a new round starts without waiting for the
 * previous one to be confirmed, so a read never waits for a round it is not part of.
 *
 * <p>A read (the leader's own, or a follower's batch: {@link ReadRequest}) records the commit index at its arrival and the number of the first round sent after
 * it; it is confirmed once a quorum has acknowledged that round or a later one. Rounds sent before
 * a read arrived never confirm it: a quorum may have moved on to a new leader before the read
 * arrived.
 */
final class ReadIndexTracker {

    private record Pending(ReadRequest request, long index, long round) {
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Number of the latest round sent. */
    private long sentRound;

    /** Returns the number of the latest round sent, carried by every heartbeat. */
    long currentRound() {
        return sentRound;
    }

    /** Queues a read at commit index {@code index}; it joins the next round. */
    void add(ReadRequest request, long index) {
        pending.add(new Pending(request, index, sentRound + 1));
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
     * @param release receives each confirmed read with its read index
     */
    void confirm(long confirmedRound, BiConsumer<ReadRequest, Long> release) {
        while (!pending.isEmpty() && pending.peekFirst().round <= confirmedRound) {
            Pending p = pending.pollFirst();
            release.accept(p.request, p.index);
        }
    }

    /** Drops every pending read (the leader stepped down); {@return the dropped requests} */
    List<ReadRequest> clear() {
        List<ReadRequest> requests = new ArrayList<>();
        for (Pending p : pending) {
            requests.add(p.request);
        }
        pending.clear();
        return requests;
    }
}
