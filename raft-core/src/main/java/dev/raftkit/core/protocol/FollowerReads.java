package dev.raftkit.core.protocol;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The reads a follower or learner serves itself ({@code ReadPolicy.FOLLOWER}): queued until the
 * next ready, then sent to the leader as one {@code ReadIndexRequest} per batch; a batch is released
 * with the read index the leader answers, or dropped when the leader does not answer within the
 * timeout (the driver fails its reads). Batches pipeline: a new one goes out without waiting for
 * earlier answers. A batch still unanswered after a resend interval is asked about again under the
 * same id, so one lost message does not cost the whole timeout; the leader treats each arrival as a
 * new request (a fresh quorum round), and answers after the first release nothing.
 *
 * <p>An answer releases its batch only if it carries the term the batch was asked in, which is this
 * node's current term (a change of term replaces the follower role, and these reads with it, so
 * RaftCore's term rules drop an answer of another term before it gets here): a voter's acceptance
 * counts towards the leader's quorum, which holds only if the voter had not moved past that term
 * when it accepted (see {@link LeaderRole}).
 */
final class FollowerReads {

    /**
     * A batch the leader was asked about in term {@code term}, with the ticks it has waited in all
     * and since it was last sent.
     */
    private static final class Batch {
        final List<Long> contexts;
        final long term;
        int waited;
        int sinceSent;

        Batch(List<Long> contexts, long term) {
            this.contexts = contexts;
            this.term = term;
        }
    }

    /** The most reads waiting at once; more are refused, so a leader that never answers costs bounded memory. */
    static final int MAX_PENDING = 1 << 16;

    private List<Long> unsent = new ArrayList<>();
    private final Map<Long, Batch> asked = new LinkedHashMap<>();
    private int pending;

    /** {@return whether another read may queue} */
    boolean hasRoom() {
        return pending < MAX_PENDING;
    }

    /** Queues a read; it goes out with the next batch. */
    void add(long context) {
        unsent.add(context);
        pending++;
    }

    /** {@return whether no read waits, to be asked about or for its answer} */
    boolean isEmpty() {
        return pending == 0;
    }

    /** {@return whether reads wait for a request that {@link #takeBatch} would send} */
    boolean batchWanted() {
        return !unsent.isEmpty();
    }

    /**
     * Moves the queued reads into a batch sent as request {@code requestId}.
     *
     * @param requestId the request's number, unique on this node
     * @param term the term the request is sent in, this node's current term
     */
    void takeBatch(long requestId, long term) {
        asked.put(requestId, new Batch(unsent, term));
        unsent = new ArrayList<>();
    }

    /**
     * Releases the batch the leader answered, if the answer is of the batch's term; an answer of
     * another term leaves the batch to be asked about again or to time out.
     *
     * @param requestId the answered request
     * @param answerTerm the term of the answer
     * @param readIndex the index to apply before the reads run
     * @param out receives the released reads
     */
    void answered(long requestId, long answerTerm, long readIndex, Outbox out) {
        Batch batch = asked.get(requestId);
        if (batch == null || batch.term != answerTerm) {
            return; // timed out already, a duplicate, or not an answer of this term
        }
        asked.remove(requestId);
        pending -= batch.contexts.size();
        for (long context : batch.contexts) {
            out.read(new ReadState(context, readIndex));
        }
    }

    /**
     * Counts one tick: drops the batches that waited {@code timeout} ticks, and asks again about
     * those unanswered for {@code resendInterval} ticks since they were last sent.
     *
     * @param timeout the ticks a batch may wait for its answer
     * @param resendInterval the ticks after which an unanswered request is sent again
     * @param out receives the dropped reads
     * @param resend sends the request with the given id again
     */
    void tick(int timeout, int resendInterval, Outbox out, LongConsumer resend) {
        for (Iterator<Map.Entry<Long, Batch>> it = asked.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Long, Batch> entry = it.next();
            Batch batch = entry.getValue();
            if (++batch.waited >= timeout) {
                it.remove();
                pending -= batch.contexts.size();
                out.dropReads(batch.contexts);
            } else if (++batch.sinceSent >= resendInterval) {
                batch.sinceSent = 0;
                resend.accept(entry.getKey());
            }
        }
    }

    /** Drops every read, sent or not: the node no longer follows that leader. */
    void dropAll(Outbox out) {
        for (Batch batch : asked.values()) {
            out.dropReads(batch.contexts);
        }
        out.dropReads(unsent);
        asked.clear();
        unsent = new ArrayList<>();
        pending = 0;
    }
}
