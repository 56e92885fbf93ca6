package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.RaftException;
import dev.raftkit.Role;
import dev.raftkit.core.protocol.Proposal;
import dev.raftkit.core.protocol.RaftCore;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Carries out {@code addVoter}, {@code addLearner} and {@code removeMember} on the leader, one at a
 * time, as single-server configuration changes. {@code addVoter} of a node that is not a member
 * first adds it as a learner and promotes it only once it has caught up, so the cluster's
 * availability does not drop while the new node copies the log.
 *
 * <p>Requests are idempotent, so a caller unsure of an earlier one's outcome can retry it: one that
 * asks for what the configuration already holds completes with it, unchanged. Futures fail only
 * with the types {@code Node}'s membership calls document: {@link IllegalArgumentException} for a
 * request that can never succeed (demoting a voter, removing the last voter, an id that is a member
 * at another address), {@link TimeoutException} for a learner that stopped catching up (it stays a
 * learner), and a {@code RaftException} that {@linkplain dev.raftkit.RaftException#mayHaveCommitted()
 * may have committed} exactly when an entry of the request was appended.
 *
 * <p>Driver thread only: {@link #progress()} runs after every step of the core.
 */
final class MembershipChanges {

    /** What a request asks for. */
    enum Kind { ADD_VOTER, ADD_LEARNER, REMOVE }

    private static final class Request {
        final Kind kind;
        final NodeId id;
        final Address address;
        final CompletableFuture<Membership> future;
        /** The configuration entry in flight: its index and term, 0 when none. */
        long index;
        long term;
        /** Whether an entry of this request was appended: its outcome is uncertain from then on. */
        boolean appended;
        /** ADD_VOTER: the learner's match index last seen, and the tick it last grew. */
        long lastMatch = -1;
        long lastProgressTick;

        Request(Kind kind, NodeId id, Address address, CompletableFuture<Membership> future) {
            this.kind = kind;
            this.id = id;
            this.address = address;
            this.future = future;
        }
    }

    private final RaftCore core;
    private final Supplier<RaftException> notLeader;
    private final Supplier<RaftException> mayStillCommit;
    private final long catchUpPatienceTicks;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private long ticks;

    /**
     * @param notLeader the error for requests that this node can no longer serve
     * @param mayStillCommit the error for a change an entry of which was appended before leadership
     *     was lost: a NotLeaderException that may have committed
     * @param catchUpPatienceTicks how long a new voter may make no progress catching up
     */
    MembershipChanges(RaftCore core, Supplier<RaftException> notLeader, Supplier<RaftException> mayStillCommit,
            long catchUpPatienceTicks) {
        this.core = core;
        this.notLeader = notLeader;
        this.mayStillCommit = mayStillCommit;
        this.catchUpPatienceTicks = catchUpPatienceTicks;
    }

    /** Queues a request; it is validated when its turn comes, against the configuration then. */
    void submit(Kind kind, NodeId id, Address address, CompletableFuture<Membership> future) {
        if (core.role() != Role.LEADER) {
            future.completeExceptionally(notLeader.get());
            return;
        }
        queue.add(new Request(kind, id, address, future));
    }

    /** Counts a tick, for the catch-up patience. */
    void tick() {
        ticks++;
    }

    /** Advances the request at the head of the queue as far as it can go now. */
    void progress() {
        while (!queue.isEmpty()) {
            Request r = queue.peekFirst();
            if (r.future.isDone()) {
                queue.pollFirst();
                continue;
            }
            boolean inFlight = r.index > 0;
            boolean committed = inFlight && core.commitIndex() >= r.index && core.termAt(r.index) == r.term;
            if (committed) {
                // Checked before leadership: a leader that removed itself steps down once this commits.
                r.index = 0;
            } else if (core.role() != Role.LEADER || inFlight && core.termAt(r.index) != r.term) {
                leadershipLost(r);
                return;
            } else if (inFlight) {
                return; // the change is in flight
            }
            if (!step(r)) {
                return;
            }
        }
    }

    /**
     * Takes the next step of a request.
     *
     * @return whether it finished (the next request may start)
     */
    private boolean step(Request r) {
        Membership current = core.membership();
        Map<NodeId, Address> voters = new TreeMap<>(current.voters());
        Map<NodeId, Address> learners = new TreeMap<>(current.learners());
        Optional<Address> known = current.addressOf(r.id);
        if (r.kind != Kind.REMOVE && known.isPresent() && !known.get().equals(r.address)) {
            return fail(r, new IllegalArgumentException(r.id + " is already a member at " + known.get() + ", not "
                    + r.address + "; remove it first to move it; nothing changed"));
        }
        switch (r.kind) {
            case ADD_LEARNER -> {
                if (current.isVoter(r.id)) {
                    return fail(r, new IllegalArgumentException(r.id + " is already a voter and addLearner does not "
                            + "demote; remove it first to make it a learner; nothing changed"));
                }
                if (current.learners().containsKey(r.id)) {
                    return done(r, current);
                }
                learners.put(r.id, r.address);
            }
            case ADD_VOTER -> {
                if (current.isVoter(r.id)) {
                    return done(r, current);
                }
                if (current.learners().containsKey(r.id)) {
                    if (!caughtUp(r)) {
                        return false;
                    }
                    learners.remove(r.id);
                    voters.put(r.id, r.address);
                } else {
                    learners.put(r.id, r.address);
                }
            }
            case REMOVE -> {
                if (!current.isMember(r.id)) {
                    return done(r, current);
                }
                if (current.isVoter(r.id) && voters.size() == 1) {
                    return fail(r, new IllegalArgumentException("cannot remove " + r.id
                            + ": it is the last voter; nothing changed"));
                }
                voters.remove(r.id);
                learners.remove(r.id);
            }
            default -> throw new IllegalStateException("unknown request " + r.kind);
        }
        Proposal proposal = core.proposeMembership(new Membership(0, voters, learners));
        if (proposal == Proposal.Refused.NOT_LEADER) {
            leadershipLost(r);
            return false;
        }
        if (proposal instanceof Proposal.Appended appended) {
            r.index = appended.firstIndex();
            r.term = core.term();
            r.appended = true;
        }
        return false; // proposed (or not yet allowed): wait for the commit
    }

    /** Whether a learner about to become a voter has caught up; fails the request if it stalls. */
    private boolean caughtUp(Request r) {
        long match = core.matchIndex(r.id);
        if (match >= core.commitIndex()) {
            return true;
        }
        if (match > r.lastMatch) {
            r.lastMatch = match;
            r.lastProgressTick = ticks;
        } else if (ticks - r.lastProgressTick > catchUpPatienceTicks) {
            fail(r, new TimeoutException(r.id + " made no progress catching up as a learner for "
                    + catchUpPatienceTicks + " ticks (match index " + match + ", commit index " + core.commitIndex()
                    + "); it stays a learner"));
        }
        return false;
    }

    private boolean done(Request r, Membership membership) {
        r.future.complete(membership);
        queue.remove(r);
        return true;
    }

    private boolean fail(Request r, Exception why) {
        r.future.completeExceptionally(why);
        queue.remove(r);
        return true;
    }

    /**
     * This node no longer leads: fails every request, {@code head} (the one under way) as one that
     * may still commit if an entry of it was appended, the others as refused.
     */
    private void leadershipLost(Request head) {
        if (head.appended) {
            head.future.completeExceptionally(mayStillCommit.get());
        }
        RaftException refused = notLeader.get();
        queue.forEach(r -> r.future.completeExceptionally(refused));
        queue.clear();
    }

    /**
     * The node stopped with {@code failure}: fails every request with that kind of failure, which
     * may have committed only for a request an entry of which was appended.
     */
    void stop(RaftException failure) {
        queue.forEach(r -> r.future.completeExceptionally(Outstanding.withOutcome(failure, r.appended)));
        queue.clear();
    }
}
