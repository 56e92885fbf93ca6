package dev.raftkit.core.protocol;

import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.AppendEntriesResponse;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.InstallSnapshot;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.RequestVoteResponse;
import dev.raftkit.spi.SnapshotMeta;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The Raft protocol as a pure, single-threaded state machine: no threads, clocks or writes.
 * Inputs are {@link #tick()} (logical time: the driver's timer reaches the core as an input, as
 * messages do), {@link #step(RaftMessage)}, {@link #propose(List)}, the reads
 * ({@link #readIndex(long)}, {@link #followerRead(long)}, {@link #leaseRead(long, long)}) and the
 * driver's reports {@link #onPersisted(long, long)}; the output is a {@link Ready} taken with
 * {@link #ready(long, long)}. The log store is only read. The read lease is the one use of clock
 * time, which the driver hands in as a value: the time a ready is taken and a lease read arrives.
 *
 * <p>This class applies the term rules (Raft §5.1) and grants votes; everything a role keeps lives
 * in that role's {@link RoleState} ({@link FollowerRole}, {@link CandidateRole},
 * {@link LeaderRole}), created on entering the role and dropped on leaving it.
 *
 * <h2>Roles and transitions</h2>
 * Only {@link #transition} changes the role, and it throws {@link IllegalStateException} on a move
 * not listed here:
 * <ul>
 *   <li>follower to pre-candidate: its election timeout passes (pre-vote on);</li>
 *   <li>follower or pre-candidate to candidate: the timeout passes (pre-vote off), a pre-vote is
 *       won, or the leader sends TimeoutNow;</li>
 *   <li>pre-candidate to pre-candidate, candidate to candidate or pre-candidate: the campaign's
 *       timeout passes and a new campaign starts;</li>
 *   <li>candidate to leader: a majority granted its votes;</li>
 *   <li>follower to learner and back: the configuration in force makes it one or the other;</li>
 *   <li>any role to follower or learner (as the configuration says): a message of a higher term, a
 *       leader's message of the current term (also a follower that hears a new leader), a lost
 *       election, or (leader) no active quorum within an election timeout or its own removal.</li>
 * </ul>
 * A learner never campaigns (it is not a voter) and a leader never campaigns (it ignores TimeoutNow).
 *
 * <h2>Safety rules, and where they live</h2>
 * Term and vote are persisted before any message that depends on them leaves ({@link #send} puts
 * them in {@link Ready#afterPersist()}); followers acknowledge entries only after they are durable
 * ({@link FollowerRole}); the leader counts its own log only up to what is durable
 * ({@link #onPersisted}, {@link LeaderRole#maybeCommit}); an entry commits by counting replicas
 * only if it is of the leader's current term (Raft §5.4.2, Figure 8, in
 * {@link LeaderRole#maybeCommit}); a committed entry is never truncated
 * ({@link RaftLog#maybeAppend}). A message whose term exceeds {@link RaftMessage#MAX_TERM} is
 * dropped before any of this ({@link TermBound}), so the term, which only grows and is
 * durable, never leaves the range where campaigns can follow. A linearizable read is served at a
 * commit index the leader took once an entry of its term committed ({@link LeaderRole#readIndex})
 * and only after a quorum of voters was shown to be still in the leader's term after the read
 * arrived ({@link ReadIndexTracker}); a voter that asked for the read index counts towards that
 * quorum because it accepts the leader's answer only in the term it asked in, its current term
 * ({@link FollowerReads#answered}), so in a group of three voters the leader answers it at once
 * (the argument is in {@link LeaderRole}).
 *
 * <p>Quiescence ({@link CoreOptions#quiesce()}, groups of a host only) stops the clocks of an idle
 * group without weakening any of this: a leader quiesces only when every member holds its whole
 * committed log (so no election could pick a member missing a committed entry, and there is nothing
 * to commit), and every input wakes the core before the term rules judge it ({@link #wake()}). A
 * quiesced follower counts as having just heard its leader and, once woken, waits a whole election
 * timeout before campaigning (unless woken because nothing came from its leader's host for longer
 * than that: {@link #wakeLeaderLost}), so it never votes for another candidate within an election timeout of
 * last hearing the leader: elections, leader stickiness and the read lease (which is not extended
 * while quiesced, and expires by the clock) keep their arguments. A woken leader starts a fresh
 * check-quorum window, so a leader cut off while quiesced still steps down an election timeout
 * after its host's liveness wakes it. The details are in {@link LeaderRole} and {@link FollowerRole}.
 */
public final class RaftCore {

    /** Every legal role change: from a role (key) to the roles it may become. */
    private static final Map<Role, Set<Role>> LEGAL_TRANSITIONS = Map.of(
            Role.FOLLOWER, EnumSet.of(Role.FOLLOWER, Role.LEARNER, Role.PRE_CANDIDATE, Role.CANDIDATE),
            Role.LEARNER, EnumSet.of(Role.LEARNER, Role.FOLLOWER),
            Role.PRE_CANDIDATE, EnumSet.of(Role.PRE_CANDIDATE, Role.CANDIDATE, Role.FOLLOWER, Role.LEARNER),
            Role.CANDIDATE, EnumSet.of(Role.CANDIDATE, Role.PRE_CANDIDATE, Role.LEADER, Role.FOLLOWER, Role.LEARNER),
            Role.LEADER, EnumSet.of(Role.FOLLOWER, Role.LEARNER));

    private final NodeId self;
    private final String label;
    private final CoreOptions options;
    private final RandomGenerator random;
    private final RaftLog log;
    private final ConfigTracker configs;
    private final Outbox outbox;
    private final SnapshotSender snapshots;
    private final SnapshotReception reception;
    /** The configuration in force, {@link ConfigTracker#current()} as last acted upon. */
    private Membership membership;

    private long term;
    private NodeId votedFor;
    private boolean termOrVoteDirty;
    /** The state of the role this node holds; replaced only by {@link #transition}. */
    private RoleState role;

    private final TermBound termBound;
    /** The number of the latest read index request this node sent; unique over its roles. */
    private long readRequestId;

    /**
     * Recovers the core from durable state.
     *
     * @param self this node
     * @param label how this node's log lines name it: its id, or {@code group/member} for a group of a host
     * @param options the settings
     * @param store the log store, read only
     * @param hardState the persisted hard state
     * @param membership the configuration at the log's start: the snapshot's, else the bootstrap one
     * @param snapshot the latest durable snapshot, which the state machine already reflects, or null
     * @param random the source of election jitter
     * @throws IllegalStateException if the persisted term exceeds {@link RaftMessage#MAX_TERM}
     */
    public RaftCore(NodeId self, String label, CoreOptions options, LogStore store, HardState hardState, Membership membership,
            SnapshotMeta snapshot, RandomGenerator random) {
        if (hardState.term() > RaftMessage.MAX_TERM) {
            throw new IllegalStateException("the persisted term " + hardState.term() + " of " + self
                    + " exceeds the highest valid term " + RaftMessage.MAX_TERM + " (a forged message raised it in"
                    + " a version without the bound); remove this member's data and add it again through membership");
        }
        this.self = self;
        this.label = label;
        this.termBound = new TermBound(label);
        this.options = options;
        this.random = random;
        this.outbox = new Outbox(options.unsafeAckBeforeDurable());
        this.snapshots = new SnapshotSender(this, store, options.snapshotChunkBytes(), snapshot);
        long snapshotIndex = snapshot == null ? 0 : snapshot.index();
        this.configs = new ConfigTracker(membership);
        this.log = new RaftLog(store, configs, hardState.commitIndex(), snapshotIndex, snapshotIndex,
                snapshot == null ? 0 : snapshot.term());
        log.recoverConfigs();
        this.reception = new SnapshotReception(this, log, configs);
        this.membership = configs.current();
        this.term = hardState.term();
        this.votedFor = hardState.votedFor();
        this.role = new FollowerRole(this, log, followerRole(), null, new ElectionTimer(options, random));
    }

    // ---------------------------------------------------------------- inputs

    /**
     * Advances logical time by one tick, the core's only sense of time: the role's timers count
     * ticks, and elections, heartbeats and check-quorum run from here.
     */
    public void tick() {
        role.tick();
    }

    /**
     * Handles one message from a peer (Raft §5.1 term rules first, then the role's own logic).
     *
     * @param m the message; its {@code to()} is this node
     */
    public void step(RaftMessage m) {
        if (!termBound.admits(m, term)) {
            return;
        }
        wake(); // before the term rules, so that leader stickiness judges the woken role
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
        } else if (m instanceof AppendEntries a) {
            followLeader(a.from()).append(a);
        } else if (m instanceof Heartbeat h) {
            followLeader(h.from()).heartbeat(h);
        } else if (m instanceof InstallSnapshot s) {
            followLeader(s.from());
            reception.chunk(s);
        } else {
            role.step(m);
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
            if (options.checkQuorum() && role.inLease() && !v.leadershipTransfer()) {
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

    private void handleRequestVote(RequestVote v) {
        boolean canVote = v.from().equals(votedFor)
                || (votedFor == null && role.leader() == null)
                || (v.preVote() && v.term() > term);
        // A node votes only once a configuration includes it (a joining node waits), and only for members.
        boolean grant = canVote && membership.isMember(self) && membership.isMember(v.from())
                && log.isUpToDate(v.lastLogIndex(), v.lastLogTerm());
        if (grant && !v.preVote()) {
            votedFor = v.from();
            termOrVoteDirty = true;
            role.voteGranted();
        }
        send(new RequestVoteResponse(self, v.from(), grant && v.preVote() ? v.term() : term, grant, v.preVote()));
    }

    /**
     * Appends commands as the leader.
     *
     * @param payloads the encoded commands, appended as one contiguous run
     * @return where they were appended, or why not
     */
    public Proposal propose(List<byte[]> payloads) {
        return propose(payloads, Collections.nCopies(payloads.size(), EntryKind.COMMAND));
    }

    /**
     * Appends client entries as the leader: commands, and session operations (whose payload the
     * engine encodes), in one contiguous run.
     *
     * @param payloads the encoded entries, appended as one contiguous run
     * @param kinds the kind of each payload, {@link EntryKind#COMMAND} or {@link EntryKind#SESSION}
     * @return where they were appended, or why not
     * @throws IllegalArgumentException if the lists differ in size or a kind is not a client kind
     */
    public Proposal propose(List<byte[]> payloads, List<EntryKind> kinds) {
        if (payloads.size() != kinds.size()) {
            throw new IllegalArgumentException(payloads.size() + " payloads but " + kinds.size() + " kinds");
        }
        for (EntryKind kind : kinds) {
            if (kind != EntryKind.COMMAND && kind != EntryKind.SESSION) {
                throw new IllegalArgumentException("clients propose COMMAND or SESSION entries, not " + kind);
            }
        }
        wake();
        return role instanceof LeaderRole leader ? leader.propose(payloads, kinds) : Proposal.Refused.NOT_LEADER;
    }

    /**
     * Starts a linearizable read (ReadIndex); the read appears in {@link Ready#reads()} once safe,
     * or in {@link #takeDroppedReads()} if leadership is lost first. One context may stand for
     * several reads of clients, all begun before this call: the commit index and the round that
     * confirm it are both taken after this call, so they serve every one of them.
     *
     * @param context the read's id, or the id of a group of reads
     * @return false if this node is not the leader (the read is not queued)
     */
    public boolean readIndex(long context) {
        wake();
        if (!(role instanceof LeaderRole leader)) {
            return false;
        }
        leader.readIndex(new ReadRequest.Local(context));
        return true;
    }

    /**
     * Starts a linearizable read served on this node whatever its role: a follower or learner asks
     * the leader for a read index (one request per ready for all reads queued since the last), the
     * leader runs an ordinary ReadIndex. The read appears in {@link Ready#reads()} once the index is
     * known, or in {@link #takeDroppedReads()} if the leader does not answer within an election
     * timeout or this node stops following it.
     *
     * @param context the read's id
     * @return whether the read was queued, or why not
     */
    public FollowerReadStart followerRead(long context) {
        wake();
        if (role instanceof LeaderRole leader) {
            leader.readIndex(new ReadRequest.Local(context));
            return FollowerReadStart.QUEUED;
        }
        return role instanceof FollowerRole follower ? follower.read(context) : FollowerReadStart.NO_LEADER;
    }

    /**
     * Starts a read on the leader that skips the heartbeat round while the leader's read lease holds
     * (see {@link ReadLease}); otherwise it is a {@link #readIndex(long)}.
     *
     * @param context the read's id
     * @param nowNanos the driver's monotonic clock
     * @return false if this node is not the leader (the read is not queued)
     */
    public boolean leaseRead(long context, long nowNanos) {
        wake();
        if (!(role instanceof LeaderRole leader)) {
            return false;
        }
        leader.leaseRead(context, nowNanos);
        return true;
    }

    /**
     * Returns the read lease as it stands after the latest input, for lease reads that do not go
     * through {@link #leaseRead}: a read may run at its index, with no round, while
     * {@link LeaseGrant#holds} at the runtime's clock. Any input may end the lease (a transfer, a
     * change of voters, a step down), so the driver takes it again after every input, and withdraws
     * what it published before any message produced by that input leaves; and it publishes it
     * before handing the entries committed by that input to the state machine, so that every write
     * acknowledged to a client has an index at or below a published read index.
     *
     * @return the lease, or null if this node does not lead or may not serve reads from a lease now
     */
    public LeaseGrant leaseGrant() {
        return role instanceof LeaderRole leader ? leader.leaseGrant() : null;
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
        if (role instanceof LeaderRole leader) {
            leader.maybeCommit();
        }
    }

    /**
     * Resumes a quiesced role: the host's liveness says a peer host stopped answering or restarted,
     * so the group must notice a lost leader or a lost quorum again. Every other input (a message of
     * the group, a proposal, a read, a transfer, a membership change) wakes the core by itself.
     * Does nothing when the role is not quiesced.
     */
    public void wake() {
        role.wake();
    }

    /**
     * Resumes a quiesced follower whose leader's host stopped answering, as {@link #wake()} does,
     * but past the leader's lease and so that the surviving voters do not campaign at once: the one
     * {@link Succession} picks campaigns first and the others wait longer
     * ({@link FollowerRole#wakeLeaderLost}). The caller must know that nothing came from the leader
     * for at least {@code electionTimeoutMin} ticks (a host's liveness calls it once nothing came
     * from the leader's host for twice that): that is what lets the follower leave the lease at
     * once, so it never votes for another candidate within an election timeout of hearing the leader,
     * as the read lease requires.
     *
     * @param groupHash a number every member of the group passes alike, such as its id's hash
     */
    public void wakeLeaderLost(int groupHash) {
        NodeId leader = role.leader();
        if (leader == null) {
            role.wake();
            return;
        }
        role.wakeLeaderLost(self.equals(Succession.first(membership.voters().keySet(), leader, groupHash)));
    }

    // ---------------------------------------------------------------- output

    /** {@return whether {@link #ready(long)} has anything to hand out} */
    public boolean hasReady() {
        return role.hasReady() || termOrVoteDirty || outbox.hasWork() || log.hasUnpersisted()
                || !reception.installing() && log.hasCommittedToApply();
    }

    /**
     * Takes everything the driver must do now; see {@link Ready} for the order.
     *
     * @param maxApplyBytes the byte budget of committed entries handed out at once
     * @param nowNanos the driver's monotonic clock, read before the ready's messages leave: the
     *     send time of the heartbeat rounds they carry, for the read lease
     * @return what to do
     */
    public Ready ready(long maxApplyBytes, long nowNanos) {
        role.prepareReady(nowNanos);
        List<LogEntry> entries = log.takeUnpersisted();
        HardState hardState = termOrVoteDirty || !entries.isEmpty()
                ? new HardState(term, votedFor, log.committed()) : null;
        termOrVoteDirty = false;
        List<LogEntry> committed = reception.installing() ? List.of() : log.takeCommitted(maxApplyBytes);
        return outbox.take(hardState, entries, committed);
    }

    /** {@return the ids of reads dropped because this node stopped leading, clearing them; the driver fails them} */
    public List<Long> takeDroppedReads() {
        return outbox.takeDroppedReads();
    }

    // ---------------------------------------------------------------- queries

    /**
     * {@return whether this node's role is quiesced (only with {@link CoreOptions#quiesce()}): its
     * group is idle, {@link #tick()} does nothing and the driver may stop ticking it until an input
     * or {@link #wake()} resumes it}
     */
    public boolean quiescent() {
        return role.quiescent();
    }

    /** {@return this node's role} */
    public Role role() {
        return role.role();
    }

    /** {@return the current term} */
    public long term() {
        return term;
    }

    /** {@return the leader known for the current term} */
    public Optional<NodeId> leader() {
        return Optional.ofNullable(role.leader());
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
        return termBound.invalidTermMessages();
    }

    // ---------------------------------------------------------------- role changes

    /**
     * The single place where the role changes: the old role's state is released and dropped.
     *
     * @throws IllegalStateException if the move is not in the transition table (a bug in the core)
     */
    void transition(RoleState next) {
        Role from = role.role();
        if (!LEGAL_TRANSITIONS.get(from).contains(next.role())) {
            throw new IllegalStateException("[" + label + "] term " + term + ": illegal role transition " + from
                    + " -> " + next.role());
        }
        role.leave();
        role = next;
    }

    /** Steps down to follow {@code newLeader} (null if unknown) at {@code newTerm}. */
    void becomeFollower(long newTerm, NodeId newLeader) {
        if (newTerm > term) {
            term = newTerm;
            votedFor = null;
            termOrVoteDirty = true;
        }
        transition(new FollowerRole(this, log, followerRole(), newLeader, new ElectionTimer(options, random)));
    }

    /** Follows the sender of a leader's message of the current term; {@return the follower role} */
    private FollowerRole followLeader(NodeId from) {
        if (!(role instanceof FollowerRole follower && follower.follows(from))) {
            becomeFollower(term, from);
        }
        FollowerRole follower = (FollowerRole) role;
        follower.leaderHeard();
        return follower;
    }

    /**
     * Starts a campaign: a pre-vote first if enabled, unless a leadership transfer asked for it.
     *
     * @param transfer whether the leader handed leadership to this node (TimeoutNow)
     */
    void campaign(boolean transfer) {
        if (!termBound.allowsCampaign(term)) {
            return;
        }
        if (options.preVote() && !transfer) {
            CandidateRole preCandidate = new CandidateRole(this, true, false, new ElectionTimer(options, random));
            transition(preCandidate);
            preCandidate.start(log);
        } else {
            becomeCandidate(transfer);
        }
    }

    /** Raises the term and votes for itself (Raft §5.2). */
    void becomeCandidate(boolean transfer) {
        term++;
        votedFor = self;
        termOrVoteDirty = true;
        CandidateRole candidate = new CandidateRole(this, false, transfer, new ElectionTimer(options, random));
        transition(candidate);
        candidate.start(log);
    }

    /** Takes the lead of the current term, which a quorum granted. */
    void becomeLeader() {
        LeaderRole leader = new LeaderRole(this, log, snapshots);
        transition(leader);
        leader.appendNoop();
    }

    /**
     * Acts on a change of the configuration in force (an entry appended or truncated, a snapshot
     * installed): the leader starts or stops replicating to members, and a follower becomes a
     * learner or back.
     */
    void membershipMaybeChanged() {
        Membership current = configs.current();
        if (current.equals(membership)) {
            return;
        }
        membership = current;
        role.membershipChanged();
    }

    // ---------------------------------------------------------------- for the roles

    CoreOptions options() {
        return options;
    }

    NodeId self() {
        return self;
    }

    /** {@return how this node's log lines name it} */
    String label() {
        return label;
    }

    Outbox outbox() {
        return outbox;
    }

    /** {@return a new read index request number} */
    long nextReadRequestId() {
        return ++readRequestId;
    }

    /** {@return whether this node may campaign: only voters may} */
    boolean promotable() {
        return membership.isVoter(self);
    }

    /** The role of a node that is not leading or campaigning: learners learn, everyone else follows. */
    Role followerRole() {
        return membership.learners().containsKey(self) ? Role.LEARNER : Role.FOLLOWER;
    }

    Set<NodeId> voters() {
        return membership.voters().keySet();
    }

    /** {@return the index of the latest configuration entry in the log} */
    long latestConfigIndex() {
        return configs.latestIndex();
    }

    /** {@return whether a received snapshot is being committed, so the log is frozen} */
    boolean snapshotInstalling() {
        return reception.installing();
    }

    /** Queues a message; it waits for the persist if the term or vote it depends on is not yet durable. */
    void send(RaftMessage m) {
        outbox.send(m, termOrVoteDirty);
    }

    /** Queues a message that acknowledges durable state: it leaves after the persist. */
    void sendAfterPersist(RaftMessage m) {
        outbox.sendAfterPersist(m);
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
        wake();
        return role instanceof LeaderRole leader
                ? leader.proposeMembership(MembershipCodec.encode(next)) : Proposal.Refused.NOT_LEADER;
    }

    /** {@return whether the leader may propose a configuration change now} */
    public boolean canChangeMembership() {
        return role instanceof LeaderRole leader && leader.canChangeMembership();
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
        return role instanceof LeaderRole leader ? leader.matchIndex(member) : -1;
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
        wake();
        return role instanceof LeaderRole leader ? leader.transferLeadership(target) : TransferResult.NOT_LEADER;
    }

    /** {@return the voter that leadership is being handed to, if any} */
    public Optional<NodeId> transferTarget() {
        return role instanceof LeaderRole leader ? leader.transferTarget() : Optional.empty();
    }

    /** {@return whether a leadership transfer was abandoned since the last call, clearing the flag} */
    public boolean takeTransferAborted() {
        return outbox.takeTransferAborted();
    }

    // ---------------------------------------------------------------- snapshots

    /** Closes the snapshot streams of transfers in progress; the driver calls it when the node stops. */
    public void releaseSnapshots() {
        if (role instanceof LeaderRole leader) {
            leader.releaseSnapshots();
        }
    }

    /**
     * Reports that this node's state machine wrote a durable snapshot; the log before it (minus a
     * tail for slightly lagging followers) is compacted.
     *
     * @param meta the snapshot
     */
    public void onSnapshotTaken(SnapshotMeta meta) {
        snapshots.taken(meta);
        log.snapshotTaken(meta.index(), meta.term());
        long through = Math.min(meta.index() - options.snapshotTrailingEntries(), log.stable());
        if (through >= log.firstIndex()) {
            log.compactTo(through);
            outbox.compactThrough(through);
        }
    }

    /**
     * Reports that the driver committed a received snapshot and compacted or reset the log as its
     * last chunk said; the log now starts after it and the applier restores it.
     *
     * @param meta the snapshot
     */
    public void onSnapshotInstalled(SnapshotMeta meta) {
        if (reception.installed(meta)) {
            snapshots.installed(meta);
            membershipMaybeChanged();
        }
    }

    /**
     * Reports that a received snapshot failed its checksum: the transfer starts over.
     *
     * @param meta the snapshot
     */
    public void onSnapshotRejected(SnapshotMeta meta) {
        reception.rejected(meta);
    }
}
