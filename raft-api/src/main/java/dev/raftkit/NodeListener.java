package dev.raftkit;

import java.util.Optional;

/**
 * Hears role, leader and membership changes of one node.
 *
 * <p>Callbacks run one at a time, in the order the changes happened, on a notification thread of
 * the node, never on its driver: a slow listener delays later notifications, not Raft. A callback
 * that throws is logged and does not stop later notifications. Every method has an empty default,
 * so a listener overrides only what it needs.
 */
public interface NodeListener {

    /**
     * The node's role changed.
     *
     * @param role the new role
     * @param term the term in which it took that role
     */
    default void onRoleChange(Role role, long term) {
    }

    /**
     * The leader this node knows changed.
     *
     * @param leader the new leader, or empty when the node knows none
     * @param term the term of that leader
     */
    default void onLeaderChange(Optional<NodeId> leader, long term) {
    }

    /**
     * The node's configuration changed (a membership entry was appended, or a snapshot installed).
     *
     * @param membership the configuration the node now uses
     */
    default void onMembershipChange(Membership membership) {
    }
}
