package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.BusyException;
import dev.raftkit.NoLeaderException;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.RaftException;
import dev.raftkit.core.protocol.RaftCore;
import java.util.Optional;
import java.util.function.Function;

/**
 * The errors a call gets when this node cannot serve it as leader, naming the leader this node
 * knows and where it is reached, so the caller can retry there.
 *
 * <p>Driver thread only: it reads the core.
 */
final class LeaderErrors {

    private final NodeId self;
    /** How error messages name this node. */
    private final String label;
    private final RaftCore core;
    private final Function<NodeId, Address> addressOf;

    /**
     * @param addressOf where a node is reached, or null if unknown
     */
    LeaderErrors(NodeId self, String label, RaftCore core, Function<NodeId, Address> addressOf) {
        this.self = self;
        this.label = label;
        this.core = core;
        this.addressOf = addressOf;
    }

    /**
     * The error for a call that needs the leader, made on a node that does not lead: refused,
     * nothing appended ({@code mayHaveCommitted() == false}).
     */
    RaftException notLeader() {
        Optional<NodeId> leader = core.leader().filter(l -> !l.equals(self));
        if (leader.isPresent()) {
            return new NotLeaderException("[" + label + "] not the leader; the leader is " + leader.get(),
                    leader.get(), addressOf.apply(leader.get()), false);
        }
        return new NoLeaderException("[" + label + "] no leader is known (role " + core.role() + ", term "
                + core.term() + ")");
    }

    /**
     * The error for a follower read whose read index never came: the leader did not answer within
     * an election timeout, or this node stopped following it while the read waited.
     */
    NoLeaderException noReadIndex() {
        return new NoLeaderException("[" + label + "] the leader gave no read index within an election timeout, or"
                + " leadership changed while the read waited (role " + core.role() + ", term " + core.term()
                + "); retry");
    }

    /** The error for a follower read refused because too many already wait for the leader's read index. */
    BusyException followerReadsBusy() {
        return new BusyException("[" + label + "] too many follower reads wait for the leader's read index; retry"
                + " shortly");
    }

    /**
     * The error for something accepted while this node led, now that it does not: always
     * NotLeader, never NoLeader, with {@code mayHaveCommitted() == true}, because it may still
     * take effect (an appended entry may still commit; a target told to campaign may still win).
     *
     * @param what what was pending, for the message
     */
    NotLeaderException lostLeadership(String what) {
        NodeId hint = core.leader().filter(l -> !l.equals(self)).orElse(null);
        return new NotLeaderException("[" + label + "] lost leadership while " + what + " was pending; it may "
                + "still take effect", hint, hint == null ? null : addressOf.apply(hint), true);
    }
}
