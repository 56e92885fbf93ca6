package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.TimeoutNow;

/**
 * A follower or a learner (a follower that the configuration does not let vote or campaign): it
 * keeps the leader it follows and its election clock, and takes the leader's appends and
 * heartbeats. Snapshot chunks go to the node's {@link SnapshotReception}.
 */
final class FollowerRole implements RoleState {

    private final RaftCore core;
    private final RaftLog log;
    /** {@link Role#FOLLOWER} or {@link Role#LEARNER}, as the configuration in force says. */
    private final Role role;
    /** The leader of the current term, null until one is heard. */
    private final NodeId leader;
    private final ElectionTimer timer;

    FollowerRole(RaftCore core, RaftLog log, Role role, NodeId leader, ElectionTimer timer) {
        this.core = core;
        this.log = log;
        this.role = role;
        this.leader = leader;
        this.timer = timer;
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
        if (timer.tick(core.promotable())) {
            core.campaign(false);
        }
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
            // Promoted from learner, or demoted to one: the same leader and clock, another role.
            core.transition(new FollowerRole(core, log, now, leader, timer));
        }
    }

    @Override
    public void step(RaftMessage m) {
        if (m instanceof TimeoutNow && core.promotable()) {
            core.campaign(true);
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

    /** Takes the leader's commit index and answers with this log's end and the read round. */
    void heartbeat(Heartbeat h) {
        log.commitTo(h.commitIndex());
        core.send(new HeartbeatResponse(core.self(), h.from(), core.term(), h.readSeq(), log.lastIndex()));
    }
}
