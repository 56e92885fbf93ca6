package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.RequestVote;
import dev.raftkit.spi.RequestVoteResponse;
import dev.raftkit.spi.TimeoutNow;
import java.util.HashMap;
import java.util.Map;

/**
 * A campaign: a pre-candidate asks whether it could win at the next term without raising its own
 * (dissertation §9.6), a candidate asks for votes at its new term (Raft §5.2). It keeps the votes
 * of this campaign and its election clock.
 */
final class CandidateRole implements RoleState {

    private final RaftCore core;
    private final boolean preVote;
    /** Whether the campaign was started by a leadership transfer (its requests override leases). */
    private final boolean transfer;
    private final ElectionTimer timer;
    /** Votes of this campaign: true granted, false rejected. */
    private final Map<NodeId, Boolean> votes = new HashMap<>();

    CandidateRole(RaftCore core, boolean preVote, boolean transfer, ElectionTimer timer) {
        this.core = core;
        this.preVote = preVote;
        this.transfer = transfer;
        this.timer = timer;
    }

    @Override
    public Role role() {
        return preVote ? Role.PRE_CANDIDATE : Role.CANDIDATE;
    }

    @Override
    public NodeId leader() {
        return null;
    }

    /** Votes for itself; wins at once as the only voter, else asks every other voter. */
    void start(RaftLog log) {
        votes.put(core.self(), true);
        if (Quorum.tally(core.voters(), votes) == Quorum.VoteResult.WON) {
            won();
            return;
        }
        long campaignTerm = preVote ? core.term() + 1 : core.term();
        for (NodeId voter : core.voters()) {
            if (!voter.equals(core.self())) {
                core.send(new RequestVote(core.self(), voter, campaignTerm, log.lastIndex(), log.lastTerm(), preVote,
                        transfer));
            }
        }
    }

    private void won() {
        if (preVote) {
            core.becomeCandidate(transfer);
        } else {
            core.becomeLeader();
        }
    }

    @Override
    public void tick() {
        if (timer.tick(core.promotable())) {
            core.campaign(false);
        }
    }

    @Override
    public boolean inLease() {
        return false; // no leader is known while campaigning
    }

    @Override
    public void voteGranted() {
        timer.restart();
    }

    @Override
    public void step(RaftMessage m) {
        if (m instanceof RequestVoteResponse r) {
            voteAnswered(r);
        } else if (m instanceof TimeoutNow && core.promotable()) {
            core.campaign(true);
        }
    }

    private void voteAnswered(RequestVoteResponse r) {
        if (r.preVote() != preVote) {
            return; // an answer to an earlier campaign
        }
        votes.put(r.from(), r.granted());
        switch (Quorum.tally(core.voters(), votes)) {
            case WON -> won();
            case LOST -> core.becomeFollower(core.term(), null);
            case PENDING -> {
            }
        }
    }
}
