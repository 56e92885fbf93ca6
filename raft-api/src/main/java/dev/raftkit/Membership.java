package dev.raftkit;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A cluster configuration: who votes, who only learns, and where each member is reached.
 *
 * <p>Immutable; the maps are sorted by id. A node is never both voter and learner.
 *
 * @param index the log index of the entry that introduced this configuration (0 for the bootstrap
 *     configuration given in {@link Config})
 * @param voters the voting members and their addresses; never empty
 * @param learners the non-voting members and their addresses
 */
public record Membership(long index, Map<NodeId, Address> voters, Map<NodeId, Address> learners) {

    /**
     * Validates and copies the configuration.
     *
     * @param index the log index of the entry that introduced this configuration (0 for the bootstrap
     * @param voters the voting members and their addresses; never empty
     * @param learners the non-voting members and their addresses
     * @throws IllegalArgumentException if the index is negative, there is no voter, or a node is both
     *     voter and learner
     */
    public Membership {
        if (index < 0) {
            throw new IllegalArgumentException("membership index must be >= 0, was " + index);
        }
        voters = Collections.unmodifiableMap(new TreeMap<>(voters));
        learners = Collections.unmodifiableMap(new TreeMap<>(learners));
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("membership needs at least one voter");
        }
        for (NodeId learner : learners.keySet()) {
            if (voters.containsKey(learner)) {
                throw new IllegalArgumentException("node " + learner + " cannot be both voter and learner");
            }
        }
    }

    /** {@return every member, voters and learners, in id order} */
    public Set<NodeId> members() {
        Set<NodeId> all = new TreeSet<>(voters.keySet());
        all.addAll(learners.keySet());
        return Collections.unmodifiableSet(all);
    }

    /**
     * {@return whether {@code id} is a voting member}
     *
     * @param id a node id
     */
    public boolean isVoter(NodeId id) {
        return voters.containsKey(id);
    }

    /**
     * {@return whether {@code id} is a voter or a learner}
     *
     * @param id a node id
     */
    public boolean isMember(NodeId id) {
        return voters.containsKey(id) || learners.containsKey(id);
    }

    /**
     * {@return the address of member {@code id}, if it is one}
     *
     * @param id a node id
     */
    public Optional<Address> addressOf(NodeId id) {
        Address address = voters.get(id);
        return Optional.ofNullable(address != null ? address : learners.get(id));
    }

    /** {@return every member with its address, voters and learners, in id order} */
    public Map<NodeId, Address> addresses() {
        Map<NodeId, Address> all = new TreeMap<>(voters);
        all.putAll(learners);
        return Collections.unmodifiableMap(all);
    }
}
