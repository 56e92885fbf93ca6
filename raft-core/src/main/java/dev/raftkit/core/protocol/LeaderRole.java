package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.InstallSnapshotResponse;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.ReadIndexRequest;
import dev.raftkit.spi.ReadIndexResponse;
import dev.raftkit.spi.TimeoutNow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader of one term: it replicates its log to every other member with flow control
 * ({@link Progress}), commits what a quorum holds, confirms linearizable reads by heartbeat rounds
 * (ReadIndex, dissertation §6.4), its own and those followers ask for, serves reads from its lease
 * ({@link ReadLease}) while it holds, checks that a quorum is still active, and hands leadership
 * over on request (dissertation §3.10).
 *
 * <h2>A voter's read-index request needs one acknowledgement fewer</h2>
 * A follower or learner asks for a read index with a {@code ReadIndexRequest}; the leader answers
 * with its commit index R and its term T once a quorum of voters has been shown to have not moved
 * past T at some moment after the request arrived (time t0). No leader of a newer term can then
 * have committed anything by t0, since it would need votes from a majority, so R covers every
 * write acknowledged before the request arrived. The leader itself is one such voter (it leads T),
 * a voter that acknowledges a heartbeat round started after t0 is another, and so is the asker, if
 * it is a voter: it accepts the answer only if on receipt its current term is still exactly T and
 * it follows this leader ({@link FollowerReads}), and as its vote in any newer term would be
 * persisted, and so its term raised, before being sent, it had voted for nobody past T by then,
 * which is after t0. A read whose answer it rejects is re-requested or fails; it never runs. So the
 * asker counts as an acknowledgement of every round ({@link #confirmedRound}): in a group of three
 * voters the leader answers a voter at once, with no round at all (two messages instead of six),
 * in a group of five after one more acknowledgement. A learner's acceptance proves nothing about
 * votes, so its requests wait for a full quorum of acknowledgements.
 *
 * <h2>Quiescence</h2>
 * With {@link CoreOptions#quiesce()}, a leader whose group is idle ({@link #idle()}: every member
 * holds the whole committed, durable log and answered in this check-quorum window, and nothing waits
 * to be sent, read or transferred) sends, at a tick where a heartbeat is due, a last heartbeat that
 * says so and stops: no heartbeats, no check-quorum counting, {@link #tick()} does nothing. Members
 * that hold everything stop their election clocks on it ({@link FollowerRole}) and do not answer
 * (an answer would wake this leader); a member that cannot quiesce answers, which wakes the leader.
 * Any input wakes it ({@link #wake()}): it opens a fresh check-quorum window, so a leader cut off
 * while quiesced steps down an election timeout after waking, as a live one would; and sends a
 * heartbeat round at once, so its members wake and answer. Its read lease is not extended while
 * quiesced (no round is sent) and runs out by the clock as always; its {@link #inLease()} is frozen,
 * and reset when it wakes, which every message does before the term rules judge it.
 */
final class LeaderRole implements RoleState {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderRole.class);

    /**
     * The most followers' read-index requests waiting at once for their round (or for the term's
     * first commit); more are ignored, so followers that ask faster than rounds complete cost
     * bounded memory. An ignored follower asks again after a heartbeat interval and fails its reads
     * if no answer comes within an election timeout.
     */
    static final int MAX_REMOTE_READ_REQUESTS = 1 << 12;

    private final RaftCore core;
    private final RaftLog log;
    private final CoreOptions options;
    private final SnapshotSender snapshots;
    private final NodeId self;
    private final long term;
    /** Progress of every other member. */
    private final Map<NodeId, Progress> progress = new TreeMap<>();
    private final ReadIndexTracker reads = new ReadIndexTracker();
    /** Reads that arrived before this leader committed an entry of its term. */
    private final List<ReadRequest> readsAwaitingTermCommit = new ArrayList<>();
    private final ReadLease lease;
    /** Followers' read-index requests accepted and not answered yet. */
    private int remoteReadRequests;
    /** Index of the no-op entry that opened this term. */
    private final long termStartIndex;
    private int heartbeatElapsed;
    /** Ticks since the last check-quorum round. */
    private int electionElapsed;
    /** The voter leadership is being handed to, null if none, and for how many ticks. */
    private NodeId transferTarget;
    private int transferElapsed;
    /** Entries were appended since the last broadcast. */
    private boolean appendsPending;
    /** The group is idle and its members were told so: no heartbeats, no check-quorum (see the class comment). */
    private boolean quiesced;

    LeaderRole(RaftCore core, RaftLog log, SnapshotSender snapshots) {
        this.core = core;
        this.log = log;
        this.options = core.options();
        this.snapshots = snapshots;
        this.self = core.self();
        this.term = core.term();
        long next = log.lastIndex() + 1;
        for (NodeId member : core.membership().members()) {
            if (!member.equals(self)) {
                progress.put(member, new Progress(next));
            }
        }
        this.termStartIndex = next;
        this.lease = new ReadLease(options.checkQuorum() ? options.leaseNanos() : 0, options.unsafeLeaseIgnoresExpiry());
    }

    /** Appends the no-op that opens the term: it lets entries of earlier terms commit (§5.4.2) and ReadIndex start. */
    void appendNoop() {
        append(List.of(new LogEntry(termStartIndex, term, EntryKind.NOOP, new byte[0])));
    }

    @Override
    public Role role() {
        return Role.LEADER;
    }

    @Override
    public NodeId leader() {
        return self;
    }

    @Override
    public boolean inLease() {
        return electionElapsed < options.electionTimeoutMin();
    }

    @Override
    public void tick() {
        if (quiesced) {
            return;
        }
        heartbeatElapsed++;
        electionElapsed++;
        if (transferTarget != null && ++transferElapsed >= options.electionTimeoutMin()) {
            // The target did not take over within an election timeout: resume leading (§3.10).
            transferTarget = null;
            core.outbox().transferAborted();
        }
        if (electionElapsed >= options.electionTimeoutMin()) {
            electionElapsed = 0;
            if (options.checkQuorum() && !quorumActive()) {
                core.becomeFollower(term, null);
                return;
            }
            startQuorumWindow();
        }
        if (heartbeatElapsed >= options.heartbeatInterval()) {
            heartbeatElapsed = 0;
            if (options.quiesce() && idle()) {
                quiesce();
            } else {
                periodicHeartbeat();
            }
        }
    }

    /** Opens a check-quorum window: every member must be heard again within it. */
    private void startQuorumWindow() {
        electionElapsed = 0;
        progress.values().forEach(p -> p.recentActive = false);
    }

    /** Sends the tick's heartbeat round: waiting reads join it; loss detection matches its answers by round. */
    private void periodicHeartbeat() {
        reads.startRound();
        broadcastHeartbeat();
    }

    /**
     * {@return whether the group is idle, so this leader may quiesce: no transfer, no read waiting
     * (of any kind), the term's no-op and every configuration entry committed, the whole log
     * committed and durable, nothing waiting to be broadcast, and every member caught up and heard
     * in this check-quorum window}
     */
    private boolean idle() {
        long last = log.lastIndex();
        if (transferTarget != null || appendsPending || !reads.isEmpty() || !readsAwaitingTermCommit.isEmpty()
                || log.committed() < termStartIndex || log.committed() != last || log.stable() != last
                || core.latestConfigIndex() > log.committed()) {
            return false;
        }
        for (Progress p : progress.values()) {
            if (!p.caughtUp(last)) {
                return false;
            }
        }
        return true;
    }

    /** Tells every member that the group quiesces, with the commit index, and stops heartbeating. */
    private void quiesce() {
        quiesced = true;
        progress.forEach((peer, p) -> sendHeartbeat(peer, p, true));
    }

    @Override
    public boolean quiescent() {
        return quiesced;
    }

    /**
     * Resumes leading a quiesced group: a fresh check-quorum window (a leader cut off while quiesced
     * steps down an election timeout from now) and a heartbeat round at once, which wakes the members.
     */
    @Override
    public void wake() {
        if (!quiesced) {
            return;
        }
        quiesced = false;
        heartbeatElapsed = 0;
        startQuorumWindow();
        periodicHeartbeat();
    }

    @Override
    public void step(RaftMessage m) {
        if (m instanceof AppendEntriesResponse r) {
            appendAnswered(r);
        } else if (m instanceof HeartbeatResponse r) {
            heartbeatAnswered(r);
        } else if (m instanceof InstallSnapshotResponse r) {
            snapshotAnswered(r);
        } else if (m instanceof ReadIndexRequest r && progress.containsKey(r.from())) {
            remoteReadIndex(r);
        }
    }

    @Override
    public boolean hasReady() {
        return appendsPending || reads.roundWanted();
    }

    @Override
    public void prepareReady(long nowNanos) {
        if (appendsPending) {
            appendsPending = false;
            broadcastAppend();
        }
        if (reads.roundWanted()) {
            // One heartbeat round for every read queued since the last ready.
            reads.startRound();
            sendReadRound();
        }
        lease.roundsSent(reads.currentRound(), nowNanos);
    }

    @Override
    public void leave() {
        releaseSnapshots();
        dropLocalReads(reads.clear());
        dropLocalReads(readsAwaitingTermCommit);
    }

    /** Hands the driver the ids of its own dropped reads; followers' batches time out on their side. */
    private void dropLocalReads(List<ReadRequest> dropped) {
        List<Long> contexts = new ArrayList<>();
        for (ReadRequest request : dropped) {
            if (request instanceof ReadRequest.Local local) {
                contexts.add(local.context());
            }
        }
        core.outbox().dropReads(contexts);
    }

    // ---------------------------------------------------------------- client requests

    /** Appends commands, the i-th of kind {@code kinds.get(i)}; {@return where, or why not} */
    Proposal propose(List<byte[]> payloads, List<EntryKind> kinds) {
        if (transferTarget != null) {
            return Proposal.Refused.TRANSFERRING_LEADERSHIP;
        }
        long first = log.lastIndex() + 1;
        List<LogEntry> entries = new ArrayList<>(payloads.size());
        for (int i = 0; i < payloads.size(); i++) {
            entries.add(new LogEntry(first + i, term, kinds.get(i), payloads.get(i)));
        }
        append(entries);
        return new Proposal.Appended(first);
    }

    /** Appends a configuration change; {@return where, or why not} */
    Proposal proposeMembership(byte[] encoded) {
        if (transferTarget != null) {
            return Proposal.Refused.TRANSFERRING_LEADERSHIP;
        }
        if (!canChangeMembership()) {
            return Proposal.Refused.MEMBERSHIP_CHANGE_PENDING;
        }
        long index = log.lastIndex() + 1;
        append(List.of(new LogEntry(index, term, EntryKind.MEMBERSHIP, encoded)));
        return new Proposal.Appended(index);
    }

    /** {@return whether a configuration change may be proposed now: one at a time, after an entry of this term} */
    boolean canChangeMembership() {
        return transferTarget == null && log.committed() >= termStartIndex
                && core.latestConfigIndex() <= log.committed();
    }

    /** Starts a linearizable read, its own or a follower's. */
    void readIndex(ReadRequest request) {
        if (log.committed() < termStartIndex) {
            // A new leader does not know the latest commit index until an entry of its term commits.
            readsAwaitingTermCommit.add(request);
            return;
        }
        queueRead(request);
    }

    /** Starts a follower's read-index request, or ignores it while {@link #MAX_REMOTE_READ_REQUESTS} wait. */
    private void remoteReadIndex(ReadIndexRequest r) {
        if (remoteReadRequests >= MAX_REMOTE_READ_REQUESTS) {
            LOG.debug("{} ignores read-index request {} of {}: {} requests wait already", core.label(), r.requestId(),
                    r.from(), remoteReadRequests);
            return;
        }
        remoteReadRequests++;
        readIndex(new ReadRequest.Remote(r.from(), r.requestId()));
    }

    /**
     * Serves a read of its own from the lease if it holds, else starts a ReadIndex round for it.
     * Never from the lease during a transfer (the target campaigns at once) or before the term's
     * no-op commits (the commit index may lag what an earlier leader committed).
     */
    void leaseRead(long context, long nowNanos) {
        LeaseGrant grant = leaseGrant();
        if (grant != null && grant.holds(nowNanos)) {
            core.outbox().read(new ReadState(context, grant.readIndex()));
        } else {
            readIndex(new ReadRequest.Local(context));
        }
    }

    /**
     * Returns the lease that reads may use now, at the commit index, or null if none: no lease is
     * held, a transfer is under way, or the term's no-op has not committed (see {@link #leaseRead}).
     */
    LeaseGrant leaseGrant() {
        return transferTarget == null && log.committed() >= termStartIndex ? lease.grant(log.committed()) : null;
    }

    /**
     * Queues a read for the next heartbeat round, or releases it at once if this leader and the
     * node that asked make a quorum of voters by themselves: this leader alone if it is the sole
     * voter, or with a voter that asked in a group of three (see the class comment). A leader
     * removing itself is not a voter and must hear from the remaining voters, one of which may
     * already lead a newer term.
     */
    private void queueRead(ReadRequest request) {
        NodeId asker = asker(request);
        if (Quorum.committedValue(core.voters(), id -> id.equals(self) || id.equals(asker) ? 1 : 0) > 0) {
            release(request, log.committed());
            return;
        }
        reads.add(asker, request, log.committed());
    }

    /** {@return the node that asked for a read: the follower or learner for its batch, this leader for its own} */
    private NodeId asker(ReadRequest request) {
        return request instanceof ReadRequest.Remote remote ? remote.follower() : self;
    }

    /**
     * Returns the highest read round that a quorum of voters acknowledged for the reads
     * {@code asker} asked for: this leader counts as acknowledging every round it sent, and so does
     * the asker if it is a voter, since it accepts the answer only in this term (see the class
     * comment); a learner counts for nothing.
     */
    private long confirmedRound(NodeId asker) {
        long round = reads.currentRound();
        return Quorum.committedValue(core.voters(),
                id -> id.equals(self) || id.equals(asker) ? round : progress.get(id).readAck);
    }

    /** Releases a confirmed read: to the driver if its own, to the follower that asked if not. */
    private void release(ReadRequest request, long index) {
        if (request instanceof ReadRequest.Local local) {
            core.outbox().read(new ReadState(local.context(), index));
        } else if (request instanceof ReadRequest.Remote remote) {
            remoteReadRequests--;
            Progress p = progress.get(remote.follower());
            if (p != null && p.commitSent < index && p.match >= index) {
                // It holds the entries but may not know they committed: tell it now rather than at
                // the next heartbeat, or its reads would wait up to a heartbeat interval.
                sendHeartbeat(remote.follower(), p, false);
            }
            core.send(new ReadIndexResponse(self, remote.follower(), term, remote.requestId(), index));
        }
    }

    /** Starts handing leadership to {@code target}; {@return whether it started, or why not} */
    TransferResult transferLeadership(NodeId target) {
        if (target.equals(self)) {
            return TransferResult.ALREADY_LEADER;
        }
        if (!core.membership().isVoter(target)) {
            return TransferResult.NOT_A_VOTER;
        }
        if (transferTarget != null) {
            return transferTarget.equals(target) ? TransferResult.STARTED : TransferResult.OTHER_TRANSFER_UNDER_WAY;
        }
        transferTarget = target;
        transferElapsed = 0;
        lease.end(reads.currentRound());
        if (progress.get(target).match == log.lastIndex()) {
            core.send(new TimeoutNow(self, target, term));
        } else {
            sendAppend(target);
        }
        return TransferResult.STARTED;
    }

    /** {@return the voter leadership is being handed to, if any} */
    Optional<NodeId> transferTarget() {
        return Optional.ofNullable(transferTarget);
    }

    /** {@return how far {@code member}'s log is known to match, -1 if it is not replicated to} */
    long matchIndex(NodeId member) {
        Progress p = progress.get(member);
        return p == null ? -1 : p.match;
    }

    /** Closes the snapshot streams of transfers in progress. */
    void releaseSnapshots() {
        progress.values().forEach(Progress::releaseSnapshot);
    }

    // ---------------------------------------------------------------- replication

    private void append(List<LogEntry> entries) {
        log.append(entries);
        core.membershipMaybeChanged();
        // Sent when the driver takes the ready: every proposal since the last one shares one
        // AppendEntries per follower instead of one message each.
        appendsPending = true;
        if (core.voters().size() == 1) {
            maybeCommit();
        }
    }

    @Override
    public void membershipChanged() {
        lease.end(reads.currentRound()); // acknowledgements counted under the old voters prove nothing now
        progress.entrySet().removeIf(e -> {
            boolean removed = !core.membership().isMember(e.getKey());
            if (removed) {
                e.getValue().releaseSnapshot();
            }
            return removed;
        });
        for (NodeId member : core.membership().members()) {
            if (!member.equals(self)) {
                progress.computeIfAbsent(member, id -> new Progress(log.lastIndex() + 1));
            }
        }
    }

    private void broadcastAppend() {
        for (NodeId peer : progress.keySet()) {
            sendAppend(peer);
        }
    }

    /** Sends the follower what it lacks, as far as flow control allows. */
    private void sendAppend(NodeId peer) {
        Progress p = progress.get(peer);
        if (p.state == Progress.State.SNAPSHOT) {
            snapshots.sendChunks(peer, p);
            return;
        }
        while (!p.paused()) {
            long prevIndex = p.next - 1;
            long prevTerm = log.term(prevIndex);
            if (prevTerm < 0) {
                // The follower needs entries that were compacted away: only a snapshot can help.
                snapshots.start(peer, p);
                return;
            }
            List<LogEntry> entries = p.next <= log.lastIndex()
                    ? log.entries(p.next, log.lastIndex() + 1, options.maxAppendBytes()) : List.of();
            if (entries.isEmpty() && p.state == Progress.State.REPLICATE) {
                return;
            }
            core.send(new AppendEntries(self, peer, term, prevIndex, prevTerm, entries, log.committed()));
            long lastSent = entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).index();
            p.commitSent = Math.max(p.commitSent, Math.min(log.committed(), lastSent));
            p.sent(lastSent, !entries.isEmpty());
            if (p.state == Progress.State.PROBE) {
                return;
            }
        }
    }

    private void appendAnswered(AppendEntriesResponse r) {
        Progress p = progress.get(r.from());
        if (p == null) {
            return;
        }
        p.recentActive = true;
        if (r.success()) {
            if (p.acknowledge(r.index()) && core.voters().contains(r.from()) && !maybeCommit()) {
                return; // stepped down
            }
            sendAppend(r.from());
            if (r.from().equals(transferTarget) && p.match == log.lastIndex()) {
                core.send(new TimeoutNow(self, transferTarget, term));
            }
            return;
        }
        long hintNext = r.hintTerm() > 0
                ? log.lastIndexAtOrBelowTerm(r.hintIndex(), r.hintTerm(), 0) + 1 : r.hintIndex() + 1;
        long acknowledged = p.match;
        switch (p.reject(r.index(), hintNext)) {
            case PROBE_AGAIN -> sendAppend(r.from());
            case LOST_ACKNOWLEDGED -> {
                if (acknowledged > 0) { // once per loss: after the reset nothing is acknowledged
                    // The process tests of integration-tests (RunChecks) look for this text in the output.
                    LOG.warn("[{}] term {}: follower {} no longer holds the entries up to index {} it acknowledged"
                            + " (its log ends or differs at index {}): it lost durable data. Its progress is reset;"
                            + " it gets the missing entries, or a snapshot if they are compacted",
                            core.label(), term, r.from(), acknowledged, r.hintIndex());
                }
            }
            case STALE -> {
            }
        }
    }

    private void heartbeatAnswered(HeartbeatResponse r) {
        Progress p = progress.get(r.from());
        if (p == null) {
            return;
        }
        p.recentActive = true;
        p.heartbeatAnswered(r.lastLogIndex(), r.readSeq());
        // A follower whose log ends below its match index lost entries: a probe finds out, even when idle.
        if (p.match < log.lastIndex() || r.lastLogIndex() < p.match) {
            sendAppend(r.from());
        }
        if (core.voters().contains(r.from()) && r.readSeq() > p.readAck) {
            p.readAck = r.readSeq();
            reads.confirm(this::confirmedRound, this::release);
            lease.quorumAcknowledged(confirmedRound(self));
        }
    }

    private void snapshotAnswered(InstallSnapshotResponse r) {
        Progress p = progress.get(r.from());
        if (p == null) {
            return;
        }
        p.recentActive = true;
        if (snapshots.answered(r, p)) {
            sendAppend(r.from());
        }
    }

    /**
     * Sends every peer the tick's heartbeat, carrying the latest read round. It is the only
     * heartbeat loss detection counts ({@link Progress#heartbeatSent}): read rounds
     * ({@link #sendReadRound}) can go out many times per fsync, and would make a follower whose
     * match index moves at fsync pace look stalled.
     */
    private void broadcastHeartbeat() {
        for (Map.Entry<NodeId, Progress> e : progress.entrySet()) {
            e.getValue().heartbeatSent(reads.currentRound());
            sendHeartbeat(e.getKey(), e.getValue(), false);
        }
    }

    /**
     * Sends the latest read round to as few voters as make a quorum with this leader: those that
     * acknowledged the most recent rounds, so the fastest answer. Every message costs a system call
     * and a thread wake-up at each end, the bulk of a read's cost, and a round to every peer would
     * spend half of them for nothing in a group of three. A chosen voter that stops answering holds
     * its rounds up for at most a heartbeat interval: the periodic heartbeat goes to every peer with
     * the latest round, and whoever answers it is chosen next.
     */
    private void sendReadRound() {
        int wanted = Quorum.majority(core.voters().size()) - (core.voters().contains(self) ? 1 : 0);
        List<NodeId> chosen = new ArrayList<>(wanted);
        while (chosen.size() < wanted) {
            NodeId best = null;
            long bestAck = -1;
            for (Map.Entry<NodeId, Progress> e : progress.entrySet()) {
                NodeId id = e.getKey();
                if (core.voters().contains(id) && !chosen.contains(id) && e.getValue().readAck > bestAck) {
                    best = id;
                    bestAck = e.getValue().readAck;
                }
            }
            if (best == null) {
                break;
            }
            chosen.add(best);
        }
        for (NodeId id : chosen) {
            sendHeartbeat(id, progress.get(id), false);
        }
    }

    /**
     * Sends {@code peer} a heartbeat with the latest read round and as much of the commit index as
     * it holds; {@code quiesce} says it is the last before the group quiesces.
     */
    private void sendHeartbeat(NodeId peer, Progress p, boolean quiesce) {
        long commit = Math.min(p.match, log.committed());
        core.send(new Heartbeat(self, peer, term, commit, reads.currentRound(), quiesce));
        p.commitSent = Math.max(p.commitSent, commit);
    }

    /**
     * Commits what a quorum of voters holds durably.
     *
     * @return whether this node still leads (a leader whose removal commits steps down)
     */
    boolean maybeCommit() {
        long quorumIndex = Quorum.committedValue(core.voters(),
                id -> id.equals(self) ? log.stable() : progress.get(id).match);
        if (quorumIndex <= log.committed()) {
            return true;
        }
        // Figure 8: only an entry of the current term commits by counting replicas.
        if (log.term(quorumIndex) != term && !options.unsafeCommitPreviousTerm()) {
            return true;
        }
        log.commitTo(quorumIndex);
        if (!core.membership().isVoter(self) && core.latestConfigIndex() <= log.committed()) {
            // This leader was removed and the change committed: hand over and step down (§4.2.2).
            NodeId successor = mostUpToDateVoter();
            core.becomeFollower(term, null);
            if (successor != null) {
                core.send(new TimeoutNow(self, successor, term));
            }
            return false;
        }
        if (log.committed() >= termStartIndex && !readsAwaitingTermCommit.isEmpty()) {
            List<ReadRequest> waiting = List.copyOf(readsAwaitingTermCommit);
            readsAwaitingTermCommit.clear();
            waiting.forEach(this::queueRead);
        }
        return true;
    }

    private boolean quorumActive() {
        int active = 0;
        for (NodeId voter : core.voters()) {
            if (voter.equals(self) || progress.containsKey(voter) && progress.get(voter).recentActive) {
                active++;
            }
        }
        return active >= Quorum.majority(core.voters().size());
    }

    private NodeId mostUpToDateVoter() {
        NodeId best = null;
        long bestMatch = -1;
        for (NodeId voter : core.voters()) {
            Progress p = progress.get(voter);
            if (p != null && p.match > bestMatch) {
                best = voter;
                bestMatch = p.match;
            }
        }
        return best;
    }
}
