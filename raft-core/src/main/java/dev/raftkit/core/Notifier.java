package dev.raftkit.core;

import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.Role;
import dev.raftkit.spi.TaskQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells {@link NodeListener}s about role, leader and membership changes, one at a time and in
 * order, on its own thread so a slow listener never delays the driver; completes the
 * {@link LeaderWaits} there too when a leader becomes known.
 */
final class Notifier {

    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    private final String nodeId;
    private final TaskQueue queue;
    private final LeaderWaits leaderWaits;
    /** Notification thread only. */
    private final List<NodeListener> listeners = new ArrayList<>();
    /** Notification thread only: the last state told, replayed to late listeners. */
    private Role role;
    private long term;
    private Optional<NodeId> leader = Optional.empty();
    private Membership membership;

    Notifier(String nodeId, TaskQueue queue, LeaderWaits leaderWaits) {
        this.nodeId = nodeId;
        this.queue = queue;
        this.leaderWaits = leaderWaits;
    }

    /** Registers a listener; it first hears the current state. */
    void add(NodeListener listener) {
        queue.execute(() -> {
            listeners.add(listener);
            if (role != null) {
                call(listener, l -> l.onRoleChange(role, term));
                call(listener, l -> l.onLeaderChange(leader, term));
            }
            if (membership != null) {
                call(listener, l -> l.onMembershipChange(membership));
            }
        });
    }

    void roleChanged(Role newRole, long newTerm) {
        queue.execute(() -> {
            role = newRole;
            term = newTerm;
            listeners.forEach(l -> call(l, x -> x.onRoleChange(newRole, newTerm)));
        });
    }

    void leaderChanged(Optional<NodeId> newLeader, long newTerm) {
        queue.execute(() -> {
            leader = newLeader;
            term = newTerm;
            listeners.forEach(l -> call(l, x -> x.onLeaderChange(newLeader, newTerm)));
            leaderWaits.leaderChanged(newLeader);
        });
    }

    void membershipChanged(Membership newMembership) {
        queue.execute(() -> {
            membership = newMembership;
            listeners.forEach(l -> call(l, x -> x.onMembershipChange(newMembership)));
        });
    }

    private void call(NodeListener listener, Consumer<NodeListener> callback) {
        try {
            callback.accept(listener);
        } catch (RuntimeException e) {
            LOG.warn("[{}] listener {} threw; later notifications go on", nodeId, listener, e);
        }
    }
}
