package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.ReadIndexRequest;
import dev.raftkit.spi.ReadIndexResponse;
import dev.raftkit.spi.TimeoutNow;

/**
 * A follower or a learner (a follower that the configuration does not let vote or campaign): it
 * keeps the leader it follows and its election clock, and takes the leader's appends and
 * heartbeats. Snapshot chunks go to the node's {@link SnapshotReception}. It asks the leader for
 * the read index of the reads it serves itself ({@link FollowerReads}).
 *
 * <h2>Quiescence</h2>
 * A leader whose group is idle marks its last heartbeat {@link Heartbeat#quiesce()}. A follower or
 * learner that then holds exactly the committed log, with no read waiting, quiesces: its election
 * clock stops, and it does not answer (the answer would wake the leader). Otherwise it ignores the
 * flag and answers, which wakes the leader; if that answer is lost, its clock runs out and its
 * (pre-)vote request wakes the leader, whose stickiness keeps the term. A quiesced follower still
 * counts as having heard its leader ({@link #inLease()} holds), so it refuses disruptive votes as a
 * live follower does. On waking ({@link #wake()}: any message, a read, or a host's liveness for a
 * leader's restart) its clock starts again from zero, where it stopped, so it campaigns only if the
 * leader stays silent for a whole election timeout after it woke; it thus never votes for another
 * candidate within an election timeout of last hearing the leader, which the leader's read lease
 * relies on ({@link ReadLease}). Woken because the leader's host was silent for longer than that
 * ({@link #wakeLeaderLost}), its clock starts past the lease instead, with the same guarantee.
 */
final class FollowerRole implements RoleState {

    private final RaftCore core;
    private final RaftLog log;
    /** {@link Role#FOLLOWER} or {@link Role#LEARNER}, as the configuration in force says. */
    private final Role role;
    /** The leader of the current term, null until one is heard. */
    private final NodeId leader;
    private final ElectionTimer timer;
    /** Reads waiting for the leader's read index; handed to the next role when only the role kind changes. */
    private FollowerReads reads;
    /** The leader said the group is idle and this log holds exactly what is committed: the clock is stopped. */
    private boolean quiesced;

    FollowerRole(RaftCore core, RaftLog log, Role role, NodeId leader, ElectionTimer timer) {
        this(core, log, role, leader, timer, new FollowerReads());
    }

    private FollowerRole(RaftCore core, RaftLog log, Role role, NodeId leader, ElectionTimer timer,
            FollowerReads reads) {
        this.core = core;
        this.log = log;
        this.role = role;
        this.leader = leader;
        this.timer = timer;
        this.reads = reads;
    }

    @Override
    public Role role() {
        return role;
    }

    @Override
    public NodeId leader() {
        return leader;
    }

    /** {@return whether this follower follows {@code node}} */
    boolean follows(NodeId node) {
        return node.equals(leader);
    }

    /** The leader was heard: the election clock restarts. */
    void leaderHeard() {
        timer.restart();
    }

    @Override
    public void tick() {
        if (quiesced) {
            return;
        }
        reads.tick(core.options().electionTimeoutMin(), core.options().heartbeatInterval(), core.outbox(),
                this::askReadIndex);
        if (timer.tick(core.promotable())) {
            core.campaign(false);
        }
    }

    /** Queues a read to serve here once the leader's read index is applied; {@return whether it queued, or why not} */
    FollowerReadStart read(long context) {
        if (leader == null) {
            return FollowerReadStart.NO_LEADER;
        }
        if (!reads.hasRoom()) {
            return FollowerReadStart.BUSY;
        }
        reads.add(context);
        return FollowerReadStart.QUEUED;
    }

    @Override
    public boolean hasReady() {
        return reads.batchWanted();
    }

    @Override
    public void prepareReady(long nowNanos) {
        if (reads.batchWanted()) {
            // One request for every read queued since the last ready.
            long requestId = core.nextReadRequestId();
            reads.takeBatch(requestId, core.term());
            askReadIndex(requestId);
        }
    }

    /** Asks the leader for the read index of batch {@code requestId}, the first time or again. */
    private void askReadIndex(long requestId) {
        core.send(new ReadIndexRequest(core.self(), leader, core.term(), requestId));
    }

    @Override
    public void leave() {
        reads.dropAll(core.outbox());
    }

    @Override
    public boolean inLease() {
        return leader != null && timer.elapsed() < core.options().electionTimeoutMin();
    }

    @Override
    public void voteGranted() {
        timer.restart();
    }

    @Override
    public void membershipChanged() {
        Role now = core.followerRole();
        if (now != role) {
            // Promoted from learner, or demoted to one: the same leader, clock and reads, another role.
            FollowerReads kept = reads;
            reads = new FollowerReads();
            core.transition(new FollowerRole(core, log, now, leader, timer, kept));
        }
    }

    @Override
    public void step(RaftMessage m) {
        if (m instanceof TimeoutNow && core.promotable()) {
            core.campaign(true);
        } else if (m instanceof ReadIndexResponse r && r.from().equals(leader)) {
            reads.answered(r.requestId(), r.term(), r.readIndex(), core.outbox());
        }
    }

    /** Takes the leader's entries (Raft §5.3), or answers where the logs may match. */
    void append(AppendEntries a) {
        if (core.snapshotInstalling()) {
            return; // the log is frozen until the snapshot is installed; the leader will retry
        }
        long term = core.term();
        NodeId self = core.self();
        if (a.prevLogIndex() < log.committed()) {
            // Everything up to our commit index matches the leader's log already.
            core.sendAfterPersist(new AppendEntriesResponse(self, a.from(), term, true, log.committed(), 0, 0));
            return;
        }
        long lastNew = log.maybeAppend(a.prevLogIndex(), a.prevLogTerm(), a.entries());
        core.membershipMaybeChanged();
        if (lastNew >= 0) {
            log.commitTo(Math.min(a.leaderCommit(), lastNew));
            core.sendAfterPersist(new AppendEntriesResponse(self, a.from(), term, true, lastNew, 0, 0));
            return;
        }
        long hintIndex = log.lastIndexAtOrBelowTerm(a.prevLogIndex(), a.prevLogTerm(), log.committed());
        long hintTerm = Math.max(0, log.term(hintIndex));
        core.sendAfterPersist(new AppendEntriesResponse(self, a.from(), term, false, a.prevLogIndex(), hintIndex,
                hintTerm));
    }

    @Override
    public boolean quiescent() {
        return quiesced;
    }

    /**
     * Starts the stopped election clock again. It stopped at zero, since this follower quiesced on
     * hearing its leader, so a whole election timeout from now runs before any campaign.
     */
    @Override
    public void wake() {
        quiesced = false;
    }

    /**
     * Starts the stopped election clock again, past the lease, with a timeout that keeps the
     * surviving members from campaigning at once ({@link Succession}). The caller vouches that the
     * leader was not heard for an election timeout ({@code min}; see {@link RaftCore#wakeLeaderLost}),
     * so the clock starts at {@code min}: this follower no longer counts itself in the leader's
     * lease and grants a vote at once (stickiness is over). Survivors wake about when their hosts
     * find the leader's host silent, apart by up to the hosts' tick phases. The one picked first
     * campaigns {@code min} ticks after it woke, by when a survivor woken up to {@code min} after it
     * has woken too; the others wait the longest election timeout ({@code max}), {@code min} and
     * their drawn timeout more, so the one picked campaigns first even if it woke {@code max}
     * after them, and they spread out should it not win.
     */
    @Override
    public void wakeLeaderLost(boolean first) {
        if (!quiesced) {
            return;
        }
        quiesced = false;
        CoreOptions options = core.options();
        int min = options.electionTimeoutMin();
        int max = options.electionTimeoutMax();
        timer.restartAfterSilence(min, first ? 2 * min : 2 * min + max + timer.drawn());
    }

    /**
     * Takes the leader's commit index and answers with this log's end and the read round; or, if the
     * leader says the group quiesces and this log holds exactly what is committed with no read
     * waiting, quiesces without answering (see the class comment).
     */
    void heartbeat(Heartbeat h) {
        log.commitTo(h.commitIndex());
        if (h.quiesce() && core.options().quiesce() && !core.snapshotInstalling() && reads.isEmpty()
                && log.lastIndex() == h.commitIndex() && log.committed() == log.lastIndex()) {
            quiesced = true;
            return;
        }
        core.send(new HeartbeatResponse(core.self(), h.from(), core.term(), h.readSeq(), log.lastIndex()));
    }
}
