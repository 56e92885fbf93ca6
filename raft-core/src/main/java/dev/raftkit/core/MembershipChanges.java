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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Carries out {@code addVoter}, {@code addLearner} and {@code removeMember} on the leader, one at a
 * time, as single-server configuration changes. {@code addVoter} of a node that is not a member
 * first adds it as a learner and promotes it only once it has caught up, so the cluster's
 * availability does not drop while the new node copies the log.
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
     * @param mayStillCommit the error for a change proposed before leadership was lost: a
     *     NotLeaderException, because its entry may still commit
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
                if (inFlight) {
                    r.future.completeExceptionally(mayStillCommit.get());
                }
                failAll(notLeader.get());
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
        switch (r.kind) {
            case ADD_LEARNER -> {
                if (current.isVoter(r.id)) {
                    return fail(r, r.id + " is already a voter; remove it first to make it a learner");
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
                    return fail(r, "cannot remove " + r.id + ": it is the last voter");
                }
                voters.remove(r.id);
                learners.remove(r.id);
            }
            default -> throw new IllegalStateException("unknown request " + r.kind);
        }
        Proposal proposal = core.proposeMembership(new Membership(0, voters, learners));
        if (proposal == Proposal.Refused.NOT_LEADER) {
            failAll(notLeader.get());
            return false;
        }
        if (proposal instanceof Proposal.Appended appended) {
            r.index = appended.firstIndex();
            r.term = core.term();
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
            fail(r, r.id + " made no progress catching up as a learner (match index " + match + ", commit index "
                    + core.commitIndex() + "); it stays a learner");
        }
        return false;
    }

    private boolean done(Request r, Membership membership) {
        r.future.complete(membership);
        queue.remove(r);
        return true;
    }

    private boolean fail(Request r, String why) {
        r.future.completeExceptionally(new IllegalStateException(why));
        queue.remove(r);
        return true;
    }

    /** Fails every request (leadership lost, or the node stopped). */
    void failAll(Throwable error) {
        queue.forEach(r -> r.future.completeExceptionally(error));
        queue.clear();
    }
}
