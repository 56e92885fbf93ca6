package dev.raftkit.testkit.cluster;

import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.Role;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link NodeListener} that records the role and leader changes it hears, in order. Callbacks
 * come from the node's notification thread; the test reads the lists from its own.
 */
final class RecordingListener implements NodeListener {

    /** A role change as heard. */
    record RoleChange(Role role, long term) {
    }

    /** A leader change as heard. */
    record LeaderChange(Optional<NodeId> leader, long term) {
    }

    private final List<RoleChange> roles = new CopyOnWriteArrayList<>();
    private final List<LeaderChange> leaders = new CopyOnWriteArrayList<>();

    @Override
    public void onRoleChange(Role role, long term) {
        roles.add(new RoleChange(role, term));
    }

    @Override
    public void onLeaderChange(Optional<NodeId> leader, long term) {
        leaders.add(new LeaderChange(leader, term));
    }

    /** Returns the role changes heard so far. */
    List<RoleChange> roles() {
        return List.copyOf(roles);
    }

    /** Returns the leader changes heard so far. */
    List<LeaderChange> leaders() {
        return List.copyOf(leaders);
    }

    /** Returns the last role change heard, if any. */
    Optional<RoleChange> lastRole() {
        List<RoleChange> heard = roles();
        return heard.isEmpty() ? Optional.empty() : Optional.of(heard.get(heard.size() - 1));
    }

    /** Returns the last leader change heard, if any. */
    Optional<LeaderChange> lastLeader() {
        List<LeaderChange> heard = leaders();
        return heard.isEmpty() ? Optional.empty() : Optional.of(heard.get(heard.size() - 1));
    }
}
