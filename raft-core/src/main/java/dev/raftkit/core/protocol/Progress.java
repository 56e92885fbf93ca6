package dev.raftkit.core.protocol;

import dev.raftkit.spi.SnapshotMeta;
import java.util.ArrayDeque;

/**
 * The leader's view of one follower's or learner's log (Raft §5.3, plus etcd-style flow control).
 *
 * <p>In {@link State#PROBE} the leader does not know where the logs match: it sends one append
 * at a time and waits for the answer. In {@link State#REPLICATE} it streams appends optimistically,
 * at most {@link #MAX_INFLIGHT} unacknowledged messages at once. Invariant:
 * {@code 0 <= match < next}.
 */
final class Progress {

    /** Replication states. */
    enum State { PROBE, REPLICATE, SNAPSHOT }

    /** At most this many appends may be unacknowledged while replicating. */
    static final int MAX_INFLIGHT = 256;

    long match;
    long next;
    State state = State.PROBE;
    /** In PROBE: an append is outstanding; nothing more is sent until an answer arrives. */
    boolean probeSent;
    /** Whether the peer answered since the last check-quorum round. */
    boolean recentActive;
    /** The highest read sequence the peer acknowledged in this term. */
    long readAck;
    /** The highest commit index sent to the peer, in an append or a heartbeat. */
    long commitSent;
    /** In SNAPSHOT: the snapshot being sent, the bytes acknowledged and the bytes sent. */
    SnapshotMeta snapshot;
    SnapshotSource source;
    long snapshotAcked;
    long snapshotSent;
    /** In SNAPSHOT: {@link #snapshotAcked} when the last heartbeat was sent. */
    private long snapshotAckedAtHeartbeat;
    /** Heartbeat answers without progress, with appends in flight, that mean acks were lost. */
    static final int STALLED_HEARTBEATS = 5;
    /** {@link #match} when the last heartbeat was sent. */
    private long matchAtHeartbeat;
    /** Consecutive heartbeat answers with appends in flight and no progress of the match index. */
    private int stalledAnswers;
    /** {@link #next} when the last heartbeat was sent. */
    private long nextAtHeartbeat;
    /** The read round the last periodic heartbeat carried. */
    private long roundAtHeartbeat;
    /** Whether an answer to the last periodic heartbeat was already checked for loss. */
    private boolean heartbeatChecked;
    /** Consecutive heartbeat answers showing a gap; see {@link #heartbeatAnswered}. */
    private int lossSuspicions;
    /** Last index of each unacknowledged append, oldest first. */
    private final ArrayDeque<Long> inflight = new ArrayDeque<>();

    Progress(long next) {
        this.next = next;
    }

    /**
     * {@return whether this member holds the whole log, answered in the current check-quorum window
     * and is not being sent a snapshot: nothing is left to send it, so its group may quiesce}
     */
    boolean caughtUp(long lastIndex) {
        return match == lastIndex && recentActive && state != State.SNAPSHOT;
    }

    /** Returns whether no append may be sent now. */
    boolean paused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflight.size() >= MAX_INFLIGHT;
            case SNAPSHOT -> true;
        };
    }

    /** Starts sending a snapshot from its first byte; the progress owns (and closes) the source. */
    void becomeSnapshot(SnapshotSource newSource) {
        releaseSnapshot();
        state = State.SNAPSHOT;
        source = newSource;
        snapshot = newSource.meta();
        snapshotAcked = 0;
        snapshotSent = 0;
        snapshotAckedAtHeartbeat = -1;
        inflight.clear();
    }

    /**
     * Records that the follower installed the snapshot: the logs match through its index, and
     * probing continues right after it.
     */
    void snapshotInstalled(long index) {
        match = Math.max(match, index);
        next = match + 1;
        releaseSnapshot();
        becomeProbe();
    }

    /** Closes the snapshot stream of a transfer that ended (or a leader that stepped down). */
    void releaseSnapshot() {
        if (source != null) {
            source.close();
            source = null;
        }
        snapshot = null;
    }

    /** Records that an append ending at {@code lastIndex} was sent. */
    void sent(long lastIndex, boolean hadEntries) {
        if (state == State.REPLICATE) {
            if (hadEntries) {
                next = lastIndex + 1;
                inflight.add(lastIndex);
            }
        } else {
            probeSent = true;
        }
    }

    /**
     * Records a successful append up to {@code index}.
     *
     * @return whether the match index advanced
     */
    boolean acknowledge(long index) {
        boolean advanced = index > match;
        if (advanced) {
            match = index;
        }
        next = Math.max(next, index + 1);
        while (!inflight.isEmpty() && inflight.peekFirst() <= index) {
            inflight.pollFirst();
        }
        if (state == State.PROBE) {
            probeSent = false;
            if (index == match) {
                becomeReplicate();
            }
        }
        return advanced;
    }

    /** What a rejected append means for the follower's progress; see {@link #reject}. */
    enum Rejection {
        /** An answer to an append superseded since: nothing changes. */
        STALE,
        /** The probe moved back towards where the logs match: probe again at once. */
        PROBE_AGAIN,
        /**
         * The follower no longer holds an entry it acknowledged (it lost durable data): the match
         * index was reset and probing pauses until the next heartbeat answer.
         */
        LOST_ACKNOWLEDGED
    }

    /**
     * Handles a rejected append whose {@code prevLogIndex} was {@code rejected}; {@code hintNext}
     * is where the leader computed the logs may match.
     *
     * <p>A current rejection at the match index itself means the follower no longer holds entries
     * it acknowledged, which a correct follower never does. Probing cannot go below the match index
     * (its invariant), so without a reset the leader would probe the same index again and again at
     * network speed. Instead nothing is taken as matching any more ({@code match = 0}), the next
     * probe goes where the follower's hint points (entries, or a snapshot if the leader's log no
     * longer has them), and it waits for the next heartbeat answer, so even a follower that keeps
     * denying its log costs one probe per heartbeat.
     *
     * @return what the rejection means
     */
    Rejection reject(long rejected, long hintNext) {
        if (state == State.SNAPSHOT) {
            return Rejection.STALE;
        }
        if (state == State.REPLICATE) {
            if (rejected <= match) {
                return Rejection.STALE;
            }
            becomeProbe();
            next = match + 1;
            return Rejection.PROBE_AGAIN;
        }
        if (rejected != next - 1) {
            return Rejection.STALE;
        }
        if (rejected <= match) {
            match = 0;
            next = Math.max(1, Math.min(rejected, hintNext));
            probeSent = true; // cleared by the next heartbeat answer
            return Rejection.LOST_ACKNOWLEDGED;
        }
        next = Math.max(match + 1, Math.min(rejected, hintNext));
        probeSent = false;
        return Rejection.PROBE_AGAIN;
    }

    /**
     * Records that the periodic heartbeat of read round {@code round} was sent, to tell from its
     * answer whether appends sent before it were lost.
     */
    void heartbeatSent(long round) {
        nextAtHeartbeat = next;
        matchAtHeartbeat = match;
        roundAtHeartbeat = round;
        heartbeatChecked = false;
        if (state == State.SNAPSHOT) {
            if (snapshotAcked == snapshotAckedAtHeartbeat) {
                // No chunk was acknowledged for a whole heartbeat interval: resend from the last ack.
                snapshotSent = snapshotAcked;
            }
            snapshotAckedAtHeartbeat = snapshotAcked;
        }
    }

    /**
     * Handles a heartbeat answer. A probing follower gets its next probe. A replicating follower
     * lost messages when, twice in a row, its log lacks entries sent before the heartbeat (an
     * append was lost), or when, for {@link #STALLED_HEARTBEATS} answers in a row, appends are in
     * flight but its match index does not move (its acknowledgements were lost, and the full window
     * would otherwise pause it for good). Either way the leader falls back to probing from the
     * match index: the probe's answer acknowledges everything the follower holds. Only the first
     * answer to each periodic heartbeat (or to a later round) counts, so the checks keep the
     * heartbeat's pace however many read rounds go out in between.
     *
     * @param followerLastIndex the follower's last log index when it answered
     * @param answeredRound the read round the answer echoes
     */
    void heartbeatAnswered(long followerLastIndex, long answeredRound) {
        if (state == State.PROBE) {
            probeSent = false;
            return;
        }
        if (state == State.SNAPSHOT || heartbeatChecked || answeredRound < roundAtHeartbeat) {
            return;
        }
        heartbeatChecked = true;
        lossSuspicions = followerLastIndex < nextAtHeartbeat - 1 ? lossSuspicions + 1 : 0;
        stalledAnswers = !inflight.isEmpty() && match == matchAtHeartbeat ? stalledAnswers + 1 : 0;
        if (lossSuspicions >= 2 || stalledAnswers >= STALLED_HEARTBEATS) {
            becomeProbe();
            next = match + 1;
        }
    }

    private void becomeReplicate() {
        state = State.REPLICATE;
        next = match + 1;
        inflight.clear();
    }

    private void becomeProbe() {
        state = State.PROBE;
        lossSuspicions = 0;
        stalledAnswers = 0;
        probeSent = false;
        inflight.clear();
    }
}
