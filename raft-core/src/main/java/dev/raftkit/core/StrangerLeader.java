package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.InstallSnapshot;
import dev.raftkit.spi.RaftMessage;
import java.util.Map;
import java.util.Optional;

/**
 * The leader this node hears although its configuration does not hold that leader yet: a node that
 * was added, and then elected, while this node was cut off, or the leader of a cluster this node
 * joins with a member list that lacks it. Without it, the transport would refuse that leader's
 * messages (it is no peer) and this node could never learn the configuration that names it.
 *
 * <p>Safety: Raft lets a follower accept appends from any leader of its current or a newer term, and
 * there is at most one leader per term, so hearing such a leader is as safe as hearing a configured
 * one. Only leader traffic is heard ({@link #mayHear}); votes and pre-votes from unknown senders are
 * still never heard, so a removed node stays inert. At most one stranger is remembered (the newest
 * replaces the older), and only while it is the leader the core follows and is not yet configured.
 *
 * <p>Driver thread only.
 */
final class StrangerLeader {

    private NodeId id;
    private Address address;

    /**
     * Whether a message from a sender outside the configuration may be heard: leader traffic
     * (appends, heartbeats, snapshots) of {@code currentTerm} or newer, from another node.
     *
     * @param message the message
     * @param currentTerm this node's term
     * @param self this node
     * @return true if the message may be stepped
     */
    static boolean mayHear(RaftMessage message, long currentTerm, NodeId self) {
        boolean fromLeader = message instanceof AppendEntries || message instanceof Heartbeat
                || message instanceof InstallSnapshot;
        return fromLeader && message.term() >= currentTerm && !message.from().equals(self);
    }

    /**
     * Remembers {@code leader} at {@code leaderAddress}, replacing any other stranger.
     *
     * @return true if this is news (another node or another address than the one remembered), so
     *     the transport's peers must change
     */
    boolean remember(NodeId leader, Address leaderAddress) {
        if (leader.equals(id) && leaderAddress.equals(address)) {
            return false;
        }
        id = leader;
        address = leaderAddress;
        return true;
    }

    /**
     * Forgets the stranger once a configuration holds it or the core follows another leader (or
     * none).
     *
     * @param latest the latest configuration
     * @param committed the committed configuration
     * @param leader the leader the core knows
     * @return true if it was forgotten now, so the transport's peers must change
     */
    boolean forgetUnlessStillNeeded(Membership latest, Membership committed, Optional<NodeId> leader) {
        if (id == null) {
            return false;
        }
        if (latest.isMember(id) || committed.isMember(id) || !leader.equals(Optional.of(id))) {
            id = null;
            address = null;
            return true;
        }
        return false;
    }

    /**
     * Adds the stranger, if one is remembered, to {@code peers}.
     *
     * @param peers the peers the transport is to know, modified
     */
    void addTo(Map<NodeId, Address> peers) {
        if (id != null) {
            peers.put(id, address);
        }
    }

    /**
     * Returns the stranger's address if {@code node} is the stranger.
     *
     * @param node a node id
     * @return its address, or empty
     */
    Optional<Address> addressOf(NodeId node) {
        return node.equals(id) ? Optional.of(address) : Optional.empty();
    }
}
