package dev.raftkit.core.protocol;

import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HeartbeatResponse;
import dev.raftkit.spi.InstallSnapshot;
import dev.raftkit.spi.InstallSnapshotResponse;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.RequestVoteResponse;
import dev.raftkit.spi.TimeoutNow;
import dev.raftkit.spi.SnapshotMeta;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft protocol as a pure, single-threaded state machine: no threads, clocks or writes.
 * Inputs are {@link #tick()}, {@link #step(RaftMessage)}, {@link #propose(List)},
 * {@link #readIndex(long)} and the driver's reports {@link #onPersisted(long, long)}; the output
 * is a {@link Ready} taken with {@link #ready(long)}. The log store is only read.
 *
 * <h2>Roles and transitions</h2>
 * This class alone changes roles:
 * <ul>
 *   <li>follower or learner to pre-candidate: its election timeout passes (pre-vote on);</li>
 *   <li>follower or pre-candidate to candidate: the timeout passes (pre-vote off), a pre-vote is
 *       won, or the leader sends TimeoutNow;</li>
 *   <li>candidate to leader: a majority granted its votes;</li>
 *   <li>any role to follower: a message of a higher term, a leader's message of the current term,
 *       a lost election, or (leader) no active quorum within an election timeout.</li>
 * </ul>
 *
 * <h2>Safety rules, and where they live</h2>
 * Term and vote are persisted before any message that depends on them leaves (they are put in
 * {@link Ready#afterPersist()}); followers acknowledge entries only after they are durable; the
 * leader counts its own log only up to what is durable ({@link #onPersisted}); an entry commits by
 * counting replicas only if it is of the leader's current term (Raft §5.4.2, Figure 8); a
 * committed entry is never truncated ({@link RaftLog#maybeAppend}). A message whose term exceeds
 * {@link RaftMessage#MAX_TERM} is dropped before any of this ({@link #invalidTermMessages()}), so
 * the term, which only grows and is durable, never leaves the range where campaigns can follow.
 */
public final class RaftCore {

    private static final Logger LOG = LoggerFactory.getLogger(RaftCore.class);

    private final NodeId self;
    private final CoreOptions options;
    private final RandomGenerator random;
    private final RaftLog log;
    private final LogStore store;
    private final ConfigTracker configs;
    /** The configuration in force, {@link ConfigTracker#current()} as last acted upon. */
    private Membership membership;
    /** Leader only: the voter leadership is being handed to, and for how many ticks. */
    private NodeId transferTarget;
    private int transferElapsed;
    private boolean transferAborted;
    /** The latest durable snapshot, sent to followers that need compacted entries; null if none. */
    private SnapshotMeta latestSnapshot;
    /** Follower: the snapshot being received, and how many of its bytes arrived in order. */
    private SnapshotMeta receiving;
    private long received;
    /** Follower: a received snapshot the driver is committing; the log is frozen meanwhile. */
    private SnapshotMeta installing;
    /** Whether the log matched {@link #installing}'s position, so entries after it stay. */
    private boolean installingKeepsSuffix;
    /** The leader that sent {@link #installing}, told when it is installed. */
    private NodeId installingFrom;

    private long term;
    private NodeId votedFor;
    private boolean termOrVoteDirty;
    private Role role;
    private NodeId leader;

    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;
    private boolean leadershipTransferCampaign;

    /** Votes of the current (pre-)campaign: true granted, false rejected. */
    private final Map<NodeId, Boolean> votes = new HashMap<>();
    /** Leader only: progress of every other member. */
    private final Map<NodeId, Progress> progress = new TreeMap<>();
    /** Leader only. */
    private ReadIndexTracker reads;
    /** Leader only: reads that arrived before the leader committed an entry of its term. */
    private final List<Long> readsAwaitingTermCommit = new ArrayList<>();
    /** Leader only: index of the no-op entry that opened this term. */
    private long termStartIndex;

    private final List<RaftMessage> messages = new ArrayList<>();
    private final List<RaftMessage> afterPersist = new ArrayList<>();
    private final List<ReadState> readStates = new ArrayList<>();
    private final List<Long> droppedReads = new ArrayList<>();
    private final List<SnapshotChunk> snapshotChunks = new ArrayList<>();
    private long compactThrough;
    /** Leader only: entries were appended since the last broadcast. */
    private boolean appendsPending;
    /** Messages dropped because their term exceeds {@link RaftMessage#MAX_TERM}. */
    private long invalidTermMessages;
    /** Whether this node already reported that its term reached {@link RaftMessage#MAX_TERM}. */
    private boolean termExhaustedReported;

    /**
     * Recovers the core from durable state.
     *
     * @param self this node
     * @param options the settings
     * @param store the log store, read only
     * @param hardState the persisted hard state
     * @param membership the configuration at the log's start: the snapshot's, else the bootstrap one
     * @param snapshot the latest durable snapshot, which the state machine already reflects, or null
     * @param random the source of election jitter
     * @throws IllegalStateException if the persisted term exceeds {@link RaftMessage#MAX_TERM}
     */
    public RaftCore(NodeId self, CoreOptions options, LogStore store, HardState hardState, Membership membership,
            SnapshotMeta snapshot, RandomGenerator random) {
        if (hardState.term() > RaftMessage.MAX_TERM) {
            throw new IllegalStateException("the persisted term " + hardState.term() + " of " + self
                    + " exceeds the highest valid term " + RaftMessage.MAX_TERM + " (a forged message raised it in"
                    + " a version without the bound); remove this member's data and add it again through membership");
        }
        this.self = self;
        this.options = options;
        this.random = random;
        this.store = store;
        this.latestSnapshot = snapshot;
        long snapshotIndex = snapshot == null ? 0 : snapshot.index();
        this.configs = new ConfigTracker(membership);
        this.log = new RaftLog(store, configs, hardState.commitIndex(), snapshotIndex, snapshotIndex,
                snapshot == null ? 0 : snapshot.term());
        log.recoverConfigs();
        this.membership = configs.current();
        this.term = hardState.term();
        this.votedFor = hardState.votedFor();
        this.role = followerRole();
        resetElectionTimer();
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick: elections, heartbeats and check-quorum run from here. */
    public void tick() {
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            electionElapsed++;
            if (promotable() && electionElapsed >= randomizedElectionTimeout) {
                electionElapsed = 0;
                startElection(false);
            }
        }
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        if (transferTarget != null && ++transferElapsed >= options.electionTimeoutMin()) {
            // The target did not take over within an election timeout: resume leading (§3.10).
            transferTarget = null;
            transferAborted = true;
        }
        if (electionElapsed >= options.electionTimeoutMin()) {
            electionElapsed = 0;
            if (options.checkQuorum() && !quorumActive()) {
                becomeFollower(term, null);
                return;
            }
            progress.values().forEach(p -> p.recentActive = false);
        }
        if (heartbeatElapsed >= options.heartbeatInterval()) {
            heartbeatElapsed = 0;
            reads.startRound(); // waiting reads join it; loss detection matches its answers by round
            broadcastHeartbeat(true);
        }
    }

    /**
     * Handles one message from a peer (Raft §5.1 term rules first, then the role's own logic).
     *
     * @param m the message; its {@code to()} is this node
     */
    public void step(RaftMessage m) {
        if (m.term() > RaftMessage.MAX_TERM) {
            dropInvalidTerm(m);
            return;
        }
        if (m.term() > term) {
            if (!acceptHigherTerm(m)) {
                return;
            }
        } else if (m.term() < term) {
            answerStaleTerm(m);
            return;
        }
        if (m instanceof RequestVote v) {
            handleRequestVote(v);
        } else if (m instanceof RequestVoteResponse r) {
            handleVoteResponse(r);
        } else if (m instanceof AppendEntries a) {
            followLeader(a.from());
            handleAppend(a);
        } else if (m instanceof Heartbeat h) {
            followLeader(h.from());
            handleHeartbeat(h);
        } else if (m instanceof AppendEntriesResponse r) {
            if (role == Role.LEADER) {
                handleAppendResponse(r);
            }
        } else if (m instanceof HeartbeatResponse r) {
            if (role == Role.LEADER) {
                handleHeartbeatResponse(r);
            }
        } else if (m instanceof TimeoutNow) {
            if (promotable()) {
                startElection(true);
            }
        } else if (m instanceof InstallSnapshot s) {
            followLeader(s.from());
            handleInstallSnapshot(s);
        } else if (m instanceof InstallSnapshotResponse r) {
            if (role == Role.LEADER) {
                handleInstallSnapshotResponse(r);
            }
        }
    }

    /**
     * Drops a message whose term no valid message carries: it must not move this node's term,
     * which is durable and would leave no room for campaigns. Logged at the first drop and then
     * whenever the count doubles, so a flood of them cannot flood the log.
     */
    private void dropInvalidTerm(RaftMessage m) {
        invalidTermMessages++;
        if (Long.bitCount(invalidTermMessages) == 1) {
            LOG.warn("[{}] term {}: dropped {} from {} with term {}, above the highest valid term {} ({} so"
                    + " far)", self, term, m.getClass().getSimpleName(), m.from(), m.term(),
                    RaftMessage.MAX_TERM, invalidTermMessages);
        }
    }

    /**
     * Decides what a message of a higher term does to this node.
     *
     * @return whether to go on handling the message
     */
    private boolean acceptHigherTerm(RaftMessage m) {
        if (m instanceof RequestVote v && !membership.isMember(v.from())) {
            // A removed (or not yet added) node must not disrupt the cluster by raising terms (C21).
            return false;
        }
        if (m instanceof RequestVote v) {
            boolean inLease = options.checkQuorum() && leader != null
                    && electionElapsed < options.electionTimeoutMin();
            if (inLease && !v.leadershipTransfer()) {
                // Leader stickiness: a live leader is heard, so a disruptive candidate is ignored (§4.2.3).
                return false;
            }
            if (v.preVote()) {
                return true;
            }
            becomeFollower(m.term(), null);
            return true;
        }
        if (m instanceof RequestVoteResponse r && r.preVote() && r.granted()) {
            return true;
        }
        boolean fromLeader = m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot;
        becomeFollower(m.term(), fromLeader ? m.from() : null);
        return true;
    }

    private void answerStaleTerm(RaftMessage m) {
        if (m instanceof AppendEntries || m instanceof Heartbeat) {
            // Tell a deposed leader about the newer term so it steps down.
            send(new AppendEntriesResponse(self, m.from(), term, false, 0, 0, 0));
        } else if (m instanceof RequestVote v && v.preVote()) {
            send(new RequestVoteResponse(self, m.from(), term, false, true));
        }
    }

    /**
     * Appends commands as the leader.
     *
     * @param payloads the encoded commands, appended as one contiguous run
     * @return where they were appended, or why not
     */
    public Proposal propose(List<byte[]> payloads) {
        if (role != Role.LEADER) {
            return Proposal.Refused.NOT_LEADER;
        }
        if (transferTarget != null) {
            return Proposal.Refused.TRANSFERRING_LEADERSHIP;
        }
        long first = log.lastIndex() + 1;
        List<LogEntry> entries = new ArrayList<>(payloads.size());
        long index = first;
        for (byte[] payload : payloads) {
            entries.add(new LogEntry(index++, term, EntryKind.COMMAND, payload));
        }
        appendAsLeader(entries);
        return new Proposal.Appended(first);
    }

    /**
     * Starts a linearizable read (ReadIndex); the read appears in {@link Ready#reads()} once safe,
     * or in {@link #takeDroppedReads()} if leadership is lost first.
     *
     * @param context the read's id
     * @return false if this node is not the leader (the read is not queued)
     */
    public boolean readIndex(long context) {
        if (role != Role.LEADER) {
            return false;
        }
        if (log.committed() < termStartIndex) {
            // A new leader does not know the latest commit index until an entry of its term commits.
            readsAwaitingTermCommit.add(context);
            return true;
        }
        queueRead(context);
        return true;
    }

    private void queueRead(long context) {
        // Only a leader that is the sole voter may skip the heartbeat round; a leader removing itself
        // must hear from the remaining voters, one of which may already lead a newer term.
        if (voters().equals(Set.of(self))) {
            readStates.add(new ReadState(context, log.committed()));
            return;
        }
        reads.add(context, log.committed());
    }

    /**
     * Reports that the driver made the log durable up to {@code (index, term)} (with every earlier
     * persist). The leader counts itself towards commit only from here.
     *
     * @param index the last durable index
     * @param entryTerm the term of the entry at {@code index}
     */
    public void onPersisted(long index, long entryTerm) {
        log.stableTo(index, entryTerm);
        if (role == Role.LEADER) {
            maybeCommit();
        }
    }

    // ---------------------------------------------------------------- output

    /** {@return whether {@link #ready(long)} has anything to hand out} */
    public boolean hasReady() {
        return appendsPending || role == Role.LEADER && reads.roundWanted() || termOrVoteDirty || !messages.isEmpty() || !afterPersist.isEmpty() || !readStates.isEmpty()
                || log.hasUnpersisted() || installing == null && log.hasCommittedToApply()
                || !snapshotChunks.isEmpty() || compactThrough > 0;
    }

    /**
     * Takes everything the driver must do now; see {@link Ready} for the order.
     *
     * @param maxApplyBytes the byte budget of committed entries handed out at once
     * @return what to do
     */
    public Ready ready(long maxApplyBytes) {
        if (appendsPending) {
            appendsPending = false;
            if (role == Role.LEADER) {
                broadcastAppend();
            }
        }
        if (role == Role.LEADER && reads.roundWanted()) {
            // One heartbeat round for every read queued since the last ready.
            reads.startRound();
            broadcastHeartbeat(false);
        }
        List<LogEntry> entries = log.takeUnpersisted();
        HardState hardState = termOrVoteDirty || !entries.isEmpty()
                ? new HardState(term, votedFor, log.committed()) : null;
        termOrVoteDirty = false;
        List<LogEntry> committed = installing == null ? log.takeCommitted(maxApplyBytes) : List.of();
        Ready ready = new Ready(hardState, entries, List.copyOf(messages), List.copyOf(afterPersist), committed,
                List.copyOf(readStates), List.copyOf(snapshotChunks), compactThrough);
        messages.clear();
        afterPersist.clear();
        readStates.clear();
        snapshotChunks.clear();
        compactThrough = 0;
        return ready;
    }

    /** {@return the ids of reads dropped because this node stopped leading, clearing them; the driver fails them} */
    public List<Long> takeDroppedReads() {
        List<Long> out = List.copyOf(droppedReads);
        droppedReads.clear();
        return out;
    }

    // ---------------------------------------------------------------- queries

    /** {@return this node's role} */
    public Role role() {
        return role;
    }

    /** {@return the current term} */
    public long term() {
        return term;
    }

    /** {@return the leader known for the current term} */
    public Optional<NodeId> leader() {
        return Optional.ofNullable(leader);
    }

    /** {@return the commit index} */
    public long commitIndex() {
        return log.committed();
    }

    /** {@return the last log index} */
    public long lastIndex() {
        return log.lastIndex();
    }

    /** {@return the last index covered by the latest snapshot, 0 if none} */
    public long snapshotIndex() {
        return log.snapshotIndex();
    }

    /** {@return the configuration in force} */
    public Membership membership() {
        return membership;
    }

    /** {@return how many messages were dropped because their term exceeds {@link RaftMessage#MAX_TERM}} */
    public long invalidTermMessages() {
        return invalidTermMessages;
    }

    // ---------------------------------------------------------------- elections

    private boolean promotable() {
        return membership.isVoter(self);
    }

    /** The role of a node that is not leading or campaigning: learners learn, everyone else follows. */
    private Role followerRole() {
        return membership.learners().containsKey(self) ? Role.LEARNER : Role.FOLLOWER;
    }

    private Set<NodeId> voters() {
        return membership.voters().keySet();
    }

    private void resetElectionTimer() {
        electionElapsed = 0;
        randomizedElectionTimeout = options.electionTimeoutMin()
                + random.nextInt(options.electionTimeoutMax() - options.electionTimeoutMin() + 1);
    }

    private void startElection(boolean transfer) {
        if (term >= RaftMessage.MAX_TERM) {
            // A campaign needs term + 1, which no peer would accept.
            if (!termExhaustedReported) {
                termExhaustedReported = true;
                LOG.warn("[{}] term {}: cannot campaign, the term reached the highest valid term", self, term);
            }
            return;
        }
        leadershipTransferCampaign = transfer;
        if (options.preVote() && !transfer) {
            becomePreCandidate();
        } else {
            becomeCandidate();
        }
    }

    private void becomePreCandidate() {
        role = Role.PRE_CANDIDATE;
        leader = null;
        resetElectionTimer();
        votes.clear();
        votes.put(self, true);
        if (Quorum.tally(voters(), votes) == Quorum.VoteResult.WON) {
            becomeCandidate();
            return;
        }
        requestVotes(term + 1, true);
    }

    private void becomeCandidate() {
        role = Role.CANDIDATE;
        term++;
        votedFor = self;
        termOrVoteDirty = true;
        leader = null;
        resetElectionTimer();
        votes.clear();
        votes.put(self, true);
        if (Quorum.tally(voters(), votes) == Quorum.VoteResult.WON) {
            becomeLeader();
            return;
        }
        requestVotes(term, false);
    }

    private void requestVotes(long campaignTerm, boolean preVote) {
        for (NodeId voter : voters()) {
            if (!voter.equals(self)) {
                send(new RequestVote(self, voter, campaignTerm, log.lastIndex(), log.lastTerm(), preVote,
                        leadershipTransferCampaign));
            }
        }
    }

    private void handleRequestVote(RequestVote v) {
        boolean canVote = v.from().equals(votedFor)
                || (votedFor == null && leader == null)
                || (v.preVote() && v.term() > term);
        // A node votes only once a configuration includes it (a joining node waits), and only for members.
        boolean grant = canVote && membership.isMember(self) && membership.isMember(v.from())
                && log.isUpToDate(v.lastLogIndex(), v.lastLogTerm());
        if (grant && !v.preVote()) {
            votedFor = v.from();
            termOrVoteDirty = true;
            electionElapsed = 0;
        }
        send(new RequestVoteResponse(self, v.from(), grant && v.preVote() ? v.term() : term, grant, v.preVote()));
    }

    private void handleVoteResponse(RequestVoteResponse r) {
        boolean current = (role == Role.PRE_CANDIDATE && r.preVote()) || (role == Role.CANDIDATE && !r.preVote());
        if (!current) {
            return;
        }
        votes.put(r.from(), r.granted());
        switch (Quorum.tally(voters(), votes)) {
            case WON -> {
                if (role == Role.PRE_CANDIDATE) {
                    becomeCandidate();
                } else {
                    becomeLeader();
                }
            }
            case LOST -> becomeFollower(term, null);
            case PENDING -> {
            }
        }
    }

    private void becomeFollower(long newTerm, NodeId newLeader) {
        if (role == Role.LEADER) {
            stepDownAsLeader();
        }
        if (newTerm > term) {
            term = newTerm;
            votedFor = null;
            termOrVoteDirty = true;
        }
        role = followerRole();
        leader = newLeader;
        resetElectionTimer();
        votes.clear();
    }

    private void followLeader(NodeId from) {
        if (role != Role.FOLLOWER && role != Role.LEARNER || !from.equals(leader)) {
            becomeFollower(term, from);
        }
        electionElapsed = 0;
    }

    private void becomeLeader() {
        role = Role.LEADER;
        leader = self;
        heartbeatElapsed = 0;
        electionElapsed = 0;
        votes.clear();
        reads = new ReadIndexTracker();
        progress.clear();
        long next = log.lastIndex() + 1;
        for (NodeId member : membership.members()) {
            if (!member.equals(self)) {
                progress.put(member, new Progress(next));
            }
        }
        termStartIndex = next;
        // A no-op of the new term lets entries of earlier terms commit (§5.4.2) and ReadIndex start.
        appendAsLeader(List.of(new LogEntry(next, term, EntryKind.NOOP, new byte[0])));
    }

    /**
     * Acts on a change of the configuration in force (an entry appended or truncated, a snapshot
     * installed): the leader starts or stops replicating to members, and a follower becomes a
     * learner or back.
     */
    private void membershipMaybeChanged() {
        Membership current = configs.current();
        if (current.equals(membership)) {
            return;
        }
        membership = current;
        if (role == Role.LEADER) {
            progress.entrySet().removeIf(e -> {
                boolean removed = !membership.isMember(e.getKey());
                if (removed) {
                    e.getValue().releaseSnapshot();
                }
                return removed;
            });
            for (NodeId member : membership.members()) {
                if (!member.equals(self)) {
                    progress.computeIfAbsent(member, id -> new Progress(log.lastIndex() + 1));
                }
            }
        } else if (role == Role.FOLLOWER || role == Role.LEARNER) {
            role = followerRole();
        }
    }

    private void stepDownAsLeader() {
        releaseSnapshots();
        transferTarget = null;
        droppedReads.addAll(reads.clear());
        droppedReads.addAll(readsAwaitingTermCommit);
        readsAwaitingTermCommit.clear();
        progress.clear();
        reads = null;
    }

    private boolean quorumActive() {
        int active = 0;
        for (NodeId voter : voters()) {
            if (voter.equals(self) || progress.containsKey(voter) && progress.get(voter).recentActive) {
                active++;
            }
        }
        return active >= Quorum.majority(voters().size());
    }

    // ---------------------------------------------------------------- replication: follower side

    private void handleAppend(AppendEntries a) {
        if (installing != null) {
            return; // the log is frozen until the snapshot is installed; the leader will retry
        }
        if (a.prevLogIndex() < log.committed()) {
            // Everything up to our commit index matches the leader's log already.
            sendAfterPersist(new AppendEntriesResponse(self, a.from(), term, true, log.committed(), 0, 0));
            return;
        }
        long lastNew = log.maybeAppend(a.prevLogIndex(), a.prevLogTerm(), a.entries());
        membershipMaybeChanged();
        if (lastNew >= 0) {
            log.commitTo(Math.min(a.leaderCommit(), lastNew));
            sendAfterPersist(new AppendEntriesResponse(self, a.from(), term, true, lastNew, 0, 0));
            return;
        }
        long hintIndex = log.lastIndexAtOrBelowTerm(a.prevLogIndex(), a.prevLogTerm(), log.committed());
        long hintTerm = Math.max(0, log.term(hintIndex));
        sendAfterPersist(new AppendEntriesResponse(self, a.from(), term, false, a.prevLogIndex(), hintIndex, hintTerm));
    }

    private void handleHeartbeat(Heartbeat h) {
        log.commitTo(h.commitIndex());
        send(new HeartbeatResponse(self, h.from(), term, h.readSeq(), log.lastIndex()));
    }

    // ---------------------------------------------------------------- replication: leader side

    private void appendAsLeader(List<LogEntry> entries) {
        log.append(entries);
        membershipMaybeChanged();
        // Sent when the driver takes the ready: every proposal since the last one shares one
        // AppendEntries per follower instead of one message each.
        appendsPending = true;
        if (voters().size() == 1) {
            maybeCommit();
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
            sendSnapshotChunks(peer, p);
            return;
        }
        while (!p.paused()) {
            long prevIndex = p.next - 1;
            long prevTerm = log.term(prevIndex);
            if (prevTerm < 0) {
                // The follower needs entries that were compacted away: only a snapshot can help.
                startSnapshot(peer, p);
                return;
            }
            List<LogEntry> entries = p.next <= log.lastIndex()
                    ? log.entries(p.next, log.lastIndex() + 1, options.maxAppendBytes()) : List.of();
            if (entries.isEmpty() && p.state == Progress.State.REPLICATE) {
                return;
            }
            send(new AppendEntries(self, peer, term, prevIndex, prevTerm, entries, log.committed()));
            p.sent(entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).index(), !entries.isEmpty());
            if (p.state == Progress.State.PROBE) {
                return;
            }
        }
    }

    private void handleAppendResponse(AppendEntriesResponse r) {
        Progress p = progress.get(r.from());
        if (p == null) {
            return;
        }
        p.recentActive = true;
        if (r.success()) {
            if (p.acknowledge(r.index()) && voters().contains(r.from())) {
                maybeCommit();
            }
            if (role != Role.LEADER) {
                return;
            }
            sendAppend(r.from());
            if (r.from().equals(transferTarget) && p.match == log.lastIndex()) {
                send(new TimeoutNow(self, transferTarget, term));
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
                    LOG.warn("[{}] term {}: follower {} no longer holds the entries up to index {} it acknowledged"
                            + " (its log ends or differs at index {}): it lost durable data. Its progress is reset;"
                            + " it gets the missing entries, or a snapshot if they are compacted",
                            self, term, r.from(), acknowledged, r.hintIndex());
                }
            }
            case STALE -> {
            }
        }
    }

    private void handleHeartbeatResponse(HeartbeatResponse r) {
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
        if (voters().contains(r.from()) && r.readSeq() > p.readAck) {
            p.readAck = r.readSeq();
            confirmReads();
        }
    }

    private void confirmReads() {
        long round = reads.currentRound();
        long confirmed = Quorum.committedValue(voters(),
                id -> id.equals(self) ? round : progress.get(id).readAck);
        reads.confirm(confirmed, readStates);
    }

    /**
     * Sends every peer a heartbeat carrying the latest read round.
     *
     * @param periodic whether this is the tick's heartbeat, the only one loss detection counts: read
     *     rounds can go out many times per fsync, and would make a follower whose match index moves
     *     at fsync pace look stalled
     */
    private void broadcastHeartbeat(boolean periodic) {
        long round = reads.currentRound();
        for (Map.Entry<NodeId, Progress> e : progress.entrySet()) {
            if (periodic) {
                e.getValue().heartbeatSent(round);
            }
            long commit = Math.min(e.getValue().match, log.committed());
            send(new Heartbeat(self, e.getKey(), term, commit, round));
        }
    }

    private void maybeCommit() {
        long quorumIndex = Quorum.committedValue(voters(),
                id -> id.equals(self) ? log.stable() : progress.get(id).match);
        if (quorumIndex <= log.committed()) {
            return;
        }
        // Figure 8: only an entry of the current term commits by counting replicas.
        if (log.term(quorumIndex) != term && !options.unsafeCommitPreviousTerm()) {
            return;
        }
        log.commitTo(quorumIndex);
        if (!membership.isVoter(self) && configs.latestIndex() <= log.committed()) {
            // This leader was removed and the change committed: hand over and step down (§4.2.2).
            NodeId successor = mostUpToDateVoter();
            becomeFollower(term, null);
            if (successor != null) {
                send(new TimeoutNow(self, successor, term));
            }
            return;
        }
        if (log.committed() >= termStartIndex && !readsAwaitingTermCommit.isEmpty()) {
            List<Long> waiting = List.copyOf(readsAwaitingTermCommit);
            readsAwaitingTermCommit.clear();
            waiting.forEach(this::queueRead);
        }
    }

    // ---------------------------------------------------------------- membership and leadership transfer

    /**
     * Appends a configuration change as the leader: one change at a time, and only once an entry of
     * this term has committed (the fix to single-server changes, dissertation §4.1 and the 2015
     * raft-dev errata). The new configuration takes effect at once.
     *
     * @param next the whole new configuration
     * @return the entry's index, or why it was not appended (retry later unless not the leader)
     */
    public Proposal proposeMembership(Membership next) {
        if (role != Role.LEADER) {
            return Proposal.Refused.NOT_LEADER;
        }
        if (transferTarget != null) {
            return Proposal.Refused.TRANSFERRING_LEADERSHIP;
        }
        if (!canChangeMembership()) {
            return Proposal.Refused.MEMBERSHIP_CHANGE_PENDING;
        }
        long index = log.lastIndex() + 1;
        appendAsLeader(List.of(new LogEntry(index, term, EntryKind.MEMBERSHIP, MembershipCodec.encode(next))));
        return new Proposal.Appended(index);
    }

    /** {@return whether the leader may propose a configuration change now} */
    public boolean canChangeMembership() {
        return role == Role.LEADER && transferTarget == null && log.committed() >= termStartIndex
                && configs.latestIndex() <= log.committed();
    }

    /**
     * Returns the configuration in force once the entries through {@code index} are committed.
     *
     * @param index a log index
     * @return the configuration
     */
    public Membership membershipCommittedAt(long index) {
        return configs.committedAt(index);
    }

    /**
     * Leader only: how far {@code member}'s log is known to match.
     *
     * @param member a voter or learner
     * @return the index up to which its log matches, or -1 if unknown
     */
    public long matchIndex(NodeId member) {
        Progress p = progress.get(member);
        return p == null ? -1 : p.match;
    }

    /**
     * Returns the term of an entry.
     *
     * @param index a log index
     * @return the term of the entry at {@code index}, or -1 if unknown here
     */
    public long termAt(long index) {
        return log.term(index);
    }

    /**
     * Starts handing leadership to {@code target} (dissertation §3.10): writes stop, the target is
     * caught up and then told to campaign at once. Abandoned after an election timeout.
     *
     * @param target the voter to hand leadership to
     * @return whether it started, or why not
     */
    public TransferResult transferLeadership(NodeId target) {
        if (role != Role.LEADER) {
            return TransferResult.NOT_LEADER;
        }
        if (target.equals(self)) {
            return TransferResult.ALREADY_LEADER;
        }
        if (!membership.isVoter(target)) {
            return TransferResult.NOT_A_VOTER;
        }
        if (transferTarget != null) {
            return transferTarget.equals(target) ? TransferResult.STARTED : TransferResult.OTHER_TRANSFER_UNDER_WAY;
        }
        transferTarget = target;
        transferElapsed = 0;
        if (progress.get(target).match == log.lastIndex()) {
            send(new TimeoutNow(self, target, term));
        } else {
            sendAppend(target);
        }
        return TransferResult.STARTED;
    }

    /** {@return the voter that leadership is being handed to, if any} */
    public Optional<NodeId> transferTarget() {
        return Optional.ofNullable(transferTarget);
    }

    /** {@return whether a leadership transfer was abandoned since the last call, clearing the flag} */
    public boolean takeTransferAborted() {
        boolean aborted = transferAborted;
        transferAborted = false;
        return aborted;
    }

    private NodeId mostUpToDateVoter() {
        NodeId best = null;
        long bestMatch = -1;
        for (NodeId voter : voters()) {
            Progress p = progress.get(voter);
            if (p != null && p.match > bestMatch) {
                best = voter;
                bestMatch = p.match;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- snapshots

    /** Closes the snapshot streams of transfers in progress; the driver calls it when the node stops. */
    public void releaseSnapshots() {
        progress.values().forEach(Progress::releaseSnapshot);
    }

    /**
     * Reports that this node's state machine wrote a durable snapshot; the log before it (minus a
     * tail for slightly lagging followers) is compacted.
     *
     * @param meta the snapshot
     */
    public void onSnapshotTaken(SnapshotMeta meta) {
        if (latestSnapshot == null || meta.index() > latestSnapshot.index()) {
            latestSnapshot = meta;
        }
        log.snapshotTaken(meta.index(), meta.term());
        long through = Math.min(meta.index() - options.snapshotTrailingEntries(), log.stable());
        if (through >= log.firstIndex()) {
            log.compactTo(through);
            compactThrough = Math.max(compactThrough, through);
        }
    }

    private void startSnapshot(NodeId peer, Progress p) {
        if (latestSnapshot == null) {
            throw new IllegalStateException("follower " + peer + " needs index " + p.next
                    + " which was compacted, but there is no snapshot");
        }
        p.becomeSnapshot(openSnapshot());
        sendSnapshotChunks(peer, p);
    }

    /**
     * Opens the latest snapshot for a transfer. If the store replaced it meanwhile (the applier
     * committed a newer one that this core has not heard of yet), the newer one is opened.
     */
    private SnapshotSource openSnapshot() {
        try {
            return SnapshotSource.open(store, latestSnapshot);
        } catch (IOException e) {
            try {
                SnapshotMeta newest = store.latestSnapshot().orElse(null);
                if (newest != null && newest.index() > latestSnapshot.index()) {
                    latestSnapshot = newest;
                    return SnapshotSource.open(store, newest);
                }
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw new StorageFault("opening snapshot " + latestSnapshot.index(), e);
        }
    }

    /** Sends the next chunks of the follower's snapshot, a bounded window ahead of its acks. */
    private void sendSnapshotChunks(NodeId peer, Progress p) {
        SnapshotMeta meta = p.snapshot;
        long window = 4L * options.snapshotChunkBytes();
        while (p.snapshotSent - p.snapshotAcked < window
                && (p.snapshotSent < meta.sizeBytes() || p.snapshotSent == 0 && p.snapshotAcked == 0)) {
            int length = (int) Math.min(options.snapshotChunkBytes(), meta.sizeBytes() - p.snapshotSent);
            byte[] data;
            try {
                data = p.source.chunkAt(p.snapshotSent, length);
            } catch (IOException e) {
                throw new StorageFault("reading snapshot " + meta.index() + " at offset " + p.snapshotSent, e);
            }
            if (data == null) {
                p.becomeSnapshot(openSnapshot()); // asked for bytes no longer kept: start over
                meta = p.snapshot;
                continue;
            }
            boolean done = p.snapshotSent + length == meta.sizeBytes();
            send(new InstallSnapshot(self, peer, term, meta, p.snapshotSent, data, done));
            p.snapshotSent += length;
            if (done) {
                return;
            }
        }
    }

    private void handleInstallSnapshotResponse(InstallSnapshotResponse r) {
        Progress p = progress.get(r.from());
        if (p == null) {
            return;
        }
        p.recentActive = true;
        if (p.state != Progress.State.SNAPSHOT || p.snapshot.index() != r.snapshotIndex()) {
            return;
        }
        if (r.installed()) {
            p.snapshotInstalled(r.snapshotIndex());
            sendAppend(r.from());
            return;
        }
        if (r.nextOffset() == 0) {
            // The follower holds nothing of it (it restarted, or the checksum failed): start over.
            p.becomeSnapshot(openSnapshot());
        } else {
            // Every ack trails the chunks still in flight, so an ack is no sign of a lost chunk; a
            // lost one is resent from the heartbeat that finds the transfer stalled.
            p.snapshotAcked = Math.max(p.snapshotAcked, r.nextOffset());
            p.snapshotSent = Math.max(p.snapshotSent, p.snapshotAcked);
            p.source.acknowledged(p.snapshotAcked);
        }
        sendSnapshotChunks(r.from(), p);
    }

    private void handleInstallSnapshot(InstallSnapshot s) {
        SnapshotMeta meta = s.meta();
        if (meta.index() <= log.committed() && installing == null) {
            // Everything the snapshot holds is already committed here.
            sendAfterPersist(new InstallSnapshotResponse(self, s.from(), term, meta.index(), meta.sizeBytes(), true));
            return;
        }
        if (installing != null) {
            return;
        }
        if (!meta.equals(receiving)) {
            if (s.offset() != 0) {
                send(new InstallSnapshotResponse(self, s.from(), term, meta.index(), 0, false));
                return;
            }
            receiving = meta;
            received = 0;
        }
        if (s.offset() == received) {
            received += s.data().length;
            boolean done = s.done() && received == meta.sizeBytes();
            boolean keepSuffix = done && log.matchTerm(meta.index(), meta.term());
            snapshotChunks.add(new SnapshotChunk(meta, s.offset(), s.data(), done, keepSuffix));
            if (done) {
                installing = meta;
                installingKeepsSuffix = keepSuffix;
                installingFrom = s.from();
                receiving = null;
                return; // answered once installed
            }
        }
        sendAfterPersist(new InstallSnapshotResponse(self, s.from(), term, meta.index(), received, false));
    }

    /**
     * Reports that the driver committed a received snapshot and compacted or reset the log as its
     * last chunk said; the log now starts after it and the applier restores it.
     *
     * @param meta the snapshot
     */
    public void onSnapshotInstalled(SnapshotMeta meta) {
        if (!meta.equals(installing)) {
            return;
        }
        installing = null;
        latestSnapshot = meta;
        log.installSnapshot(meta.index(), meta.term(), installingKeepsSuffix);
        configs.installed(meta.membership(), meta.index(), installingKeepsSuffix);
        membershipMaybeChanged();
        send(new InstallSnapshotResponse(self, installingFrom, term, meta.index(), meta.sizeBytes(), true));
    }

    /**
     * Reports that a received snapshot failed its checksum: the transfer starts over.
     *
     * @param meta the snapshot
     */
    public void onSnapshotRejected(SnapshotMeta meta) {
        if (!meta.equals(installing)) {
            return;
        }
        installing = null;
        send(new InstallSnapshotResponse(self, installingFrom, term, meta.index(), 0, false));
    }

    // ---------------------------------------------------------------- sending

    private void send(RaftMessage m) {
        if (termOrVoteDirty && !options.unsafeAckBeforeDurable()) {
            afterPersist.add(m);
        } else {
            messages.add(m);
        }
    }

    private void sendAfterPersist(RaftMessage m) {
        if (options.unsafeAckBeforeDurable()) {
            messages.add(m);
        } else {
            afterPersist.add(m);
        }
    }
}
