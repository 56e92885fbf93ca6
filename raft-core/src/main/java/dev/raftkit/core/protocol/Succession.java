package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;
import java.util.List;
import java.util.Set;

/**
 * Which voter campaigns first when a quiesced group loses its leader with the leader's host. Every
 * surviving member wakes at about the same moment (when its host finds the leader's host silent),
 * so with drawn timeouts alone two of them often campaign at once and split the vote. Instead all of
 * them pick the same one from what they share, the voters and the group, and the others wait
 * longer ({@link FollowerRole#wakeLeaderLost}). Groups of the same hosts pick different members, so
 * their new leaders spread over the surviving hosts. Only the timing depends on it: votes are
 * granted by the usual rules, and if the one picked cannot win, another wins after its longer wait.
 */
final class Succession {

    private Succession() {
    }

    /**
     * Returns the voter, other than the lost leader, that campaigns first.
     *
     * @param voters the voters of the configuration in force
     * @param lostLeader the leader that was lost
     * @param groupHash a number every member of the group draws alike, such as its id's hash
     * @return the one that campaigns first, or null if no voter but the leader is left
     */
    static NodeId first(Set<NodeId> voters, NodeId lostLeader, int groupHash) {
        List<NodeId> candidates = voters.stream().filter(v -> !v.equals(lostLeader)).sorted().toList();
        return candidates.isEmpty() ? null : candidates.get(Math.floorMod(groupHash, candidates.size()));
    }
}
