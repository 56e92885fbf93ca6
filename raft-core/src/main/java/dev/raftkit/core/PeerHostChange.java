package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import java.util.Map;
import java.util.Set;

/**
 * A peer host that went down or restarted, as a host's {@link HostLiveness} tells its groups, and
 * which quiesced members it wakes ({@link #wakes}). A quiesced follower or learner whose leader is
 * there must wake, to elect another leader. A quiesced leader with a member there wakes if that
 * host restarted (to bring the member back up to date), or if the members on hosts that are not
 * down no longer make a majority of the voters: then it must find out whether it still has a
 * quorum (check-quorum) and step down if not. A leader that keeps a majority on hosts that answer
 * stays quiesced: waking it would only have it heartbeat a host that does not answer, and, since
 * such a member never acknowledges, keep it awake until the host is back. A host's failure thus
 * wakes the groups it led, not every group with a member there.
 *
 * @param host the peer host that changed
 * @param restarted whether it answered with a new incarnation; otherwise it went silent
 * @param down every peer host that is down now ({@code host} too, unless it restarted)
 */
record PeerHostChange(Address host, boolean restarted, Set<Address> down) {

    /**
     * {@return whether a quiesced member in {@code view} must wake for this change}
     *
     * @param view the member's core, as last published
     * @param self the member
     */
    boolean wakes(CoreView view, NodeId self) {
        Membership membership = view.membership();
        if (view.role() != Role.LEADER) {
            return view.leader().flatMap(membership::addressOf).map(host::equals).orElse(false);
        }
        boolean memberThere = hasOtherMemberThere(membership.voters(), self)
                || hasOtherMemberThere(membership.learners(), self);
        return memberThere && (restarted || !majorityAnswers(membership));
    }

    /**
     * {@return whether a member of {@code members} other than {@code self} is on {@link #host}};
     * reads the configuration's maps rather than a merged copy, since the host asks every quiesced
     * group at every tick while a peer is down.
     */
    private boolean hasOtherMemberThere(Map<NodeId, Address> members, NodeId self) {
        for (Map.Entry<NodeId, Address> member : members.entrySet()) {
            if (!member.getKey().equals(self) && member.getValue().equals(host)) {
                return true;
            }
        }
        return false;
    }

    /** {@return whether the voters on hosts that are not down make a majority of the voters} */
    private boolean majorityAnswers(Membership membership) {
        Map<NodeId, Address> voters = membership.voters();
        long answering = voters.values().stream().filter(address -> !down.contains(address)).count();
        return 2 * answering > voters.size();
    }
}
