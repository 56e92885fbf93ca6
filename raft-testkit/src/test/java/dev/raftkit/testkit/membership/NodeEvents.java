package dev.raftkit.testkit.membership;

import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.Role;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records everything one node's {@link NodeListener} hears, so a test can check the order of role
 * and membership changes afterwards. Thread-safe: the node's notification thread appends, the test
 * thread reads.
 */
final class NodeEvents implements NodeListener {

    /** The roles a node takes only while trying to lead. */
    static final Set<Role> CAMPAIGNING = Set.of(Role.PRE_CANDIDATE, Role.CANDIDATE, Role.LEADER);

    /**
     * One role change.
     *
     * @param role the new role
     * @param term the term it was taken in
     */
    record RoleChange(Role role, long term) {
    }

    private final List<RoleChange> roles = new CopyOnWriteArrayList<>();
    private final List<Membership> memberships = new CopyOnWriteArrayList<>();

    @Override
    public void onRoleChange(Role role, long term) {
        roles.add(new RoleChange(role, term));
    }

    @Override
    public void onMembershipChange(Membership membership) {
        memberships.add(membership);
    }

    /** Returns every role change heard so far, oldest first. */
    List<RoleChange> roles() {
        return List.copyOf(roles);
    }

    /** Returns the role heard last, if any. */
    Optional<Role> lastRole() {
        List<RoleChange> all = roles();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1).role());
    }

    /** Returns the role changes heard after the first {@code skip} ones. */
    List<RoleChange> rolesAfter(int skip) {
        List<RoleChange> all = roles();
        return all.subList(Math.min(skip, all.size()), all.size());
    }

    /** Returns every configuration heard so far, oldest first. */
    List<Membership> memberships() {
        return List.copyOf(memberships);
    }

    /** Returns the voter sets of the configurations heard so far, oldest first. */
    List<Set<NodeId>> voterSets() {
        return memberships().stream().map(m -> m.voters().keySet()).toList();
    }

    /** Returns whether any role change heard so far is a campaigning role (pre-candidate, candidate, leader). */
    boolean everCampaigned() {
        return roles().stream().anyMatch(r -> CAMPAIGNING.contains(r.role()));
    }
}
