package dev.raftkit.core.protocol;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's bookkeeping of linearizable reads (ReadIndex, dissertation §6.4), batched: every read
 * that arrives while a confirmation round is in flight joins the next round, so one heartbeat round
 * confirms many reads.
 *
 * <p>A read records the commit index at its arrival and the number of the first round sent after
 * it; it is confirmed once a quorum has acknowledged that round. Rounds sent before a read arrived
 * never confirm it: a quorum may have moved on to a new leader before the read arrived.
 */
final class ReadIndexTracker {

    private record Pending(long context, long index, long round) {
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Number of the latest round sent. */
    private long sentRound;
    /** Whether the latest round is not yet confirmed by a quorum. */
    private boolean inFlight;
    /** Whether reads are waiting for a round not yet sent. */
    private boolean nextRoundWanted;

    /** Returns the number of the latest round sent, carried by every heartbeat. */
    long currentRound() {
        return sentRound;
    }

    /**
     * Queues a read at commit index {@code index}.
     *
     * @return the number of a round to send now, or 0 if the read waits for the round in flight
     */
    long add(long context, long index) {
        if (inFlight) {
            pending.add(new Pending(context, index, sentRound + 1));
            nextRoundWanted = true;
            return 0;
        }
        pending.add(new Pending(context, index, sentRound + 1));
        return startRound();
    }

    /**
     * Releases the reads whose round a quorum acknowledged.
     *
     * @param confirmedRound the highest round a quorum acknowledged
     * @param out receives the confirmed reads
     * @return the number of a round to send now for reads that were waiting, or 0
     */
    long confirm(long confirmedRound, List<ReadState> out) {
        while (!pending.isEmpty() && pending.peekFirst().round <= confirmedRound) {
            Pending p = pending.pollFirst();
            out.add(new ReadState(p.context, p.index));
        }
        if (confirmedRound < sentRound) {
            return 0;
        }
        inFlight = false;
        if (nextRoundWanted) {
            nextRoundWanted = false;
            return startRound();
        }
        return 0;
    }

    private long startRound() {
        sentRound++;
        inFlight = true;
        return sentRound;
    }

    /** Drops every pending read (the leader stepped down; the driver fails them). */
    List<Long> clear() {
        List<Long> contexts = new ArrayList<>();
        for (Pending p : pending) {
            contexts.add(p.context);
        }
        pending.clear();
        inFlight = false;
        nextRoundWanted = false;
        return contexts;
    }
}
