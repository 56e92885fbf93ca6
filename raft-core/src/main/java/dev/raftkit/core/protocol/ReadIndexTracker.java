package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.ToLongFunction;

/**
 * The leader's bookkeeping of linearizable reads (ReadIndex, dissertation §6.4), batched and
 * pipelined: every read that arrives before the next confirmation round goes out joins that round,
 * so one heartbeat round confirms many reads, and a new round starts without waiting for the
 * previous one to be confirmed, so a read never waits for a round it is not part of.
 *
 * <p>A read (the leader's own, or a follower's batch: {@link ReadRequest}) records the commit index
 * at its arrival and the number of the first round sent after it; it is confirmed once a quorum has
 * acknowledged that round or a later one. Rounds sent before a read arrived never confirm it: a
 * quorum may have moved on to a new leader before the read arrived. Which rounds a quorum confirmed
 * depends on who asked (a voter that asked counts as an acknowledgement of every round after its
 * request arrived, see {@link LeaderRole}), so reads wait in one queue per asker.
 */
final class ReadIndexTracker {

    private record Pending(ReadRequest request, long index, long round) {
    }

    /** Waiting reads by the node that asked (the leader for its own), each queue in round order. */
    private final Map<NodeId, ArrayDeque<Pending>> pending = new LinkedHashMap<>();
    /** Number of the latest round sent. */
    private long sentRound;
    /** Whether a read joined the next round, which is therefore wanted. */
    private boolean joined;

    /** Returns the number of the latest round sent, carried by every heartbeat. */
    long currentRound() {
        return sentRound;
    }

    /** Queues a read that {@code asker} asked for at commit index {@code index}; it joins the next round. */
    void add(NodeId asker, ReadRequest request, long index) {
        pending.computeIfAbsent(asker, id -> new ArrayDeque<>()).add(new Pending(request, index, sentRound + 1));
        joined = true;
    }

    /** {@return whether reads wait for a round that {@link #startRound} would send} */
    boolean roundWanted() {
        return joined;
    }

    /** {@return whether no read waits, for a round or its confirmation} */
    boolean isEmpty() {
        return pending.isEmpty() && !joined;
    }

    /** Starts the round the waiting reads joined; {@return its number, to carry in heartbeats} */
    long startRound() {
        joined = false;
        return ++sentRound;
    }

    /**
     * Releases the reads whose round a quorum acknowledged.
     *
     * @param confirmedRound the highest round a quorum acknowledged for the reads of the given asker
     * @param release receives each confirmed read with its read index
     */
    void confirm(ToLongFunction<NodeId> confirmedRound, BiConsumer<ReadRequest, Long> release) {
        for (Iterator<Map.Entry<NodeId, ArrayDeque<Pending>>> it = pending.entrySet().iterator(); it.hasNext();) {
            Map.Entry<NodeId, ArrayDeque<Pending>> queue = it.next();
            long confirmed = confirmedRound.applyAsLong(queue.getKey());
            ArrayDeque<Pending> reads = queue.getValue();
            while (!reads.isEmpty() && reads.peekFirst().round <= confirmed) {
                Pending p = reads.pollFirst();
                release.accept(p.request, p.index);
            }
            if (reads.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Drops every pending read (the leader stepped down); {@return the dropped requests} */
    List<ReadRequest> clear() {
        List<ReadRequest> requests = new ArrayList<>();
        for (ArrayDeque<Pending> reads : pending.values()) {
            for (Pending p : reads) {
                requests.add(p.request);
            }
        }
        pending.clear();
        joined = false;
        return requests;
    }
}
