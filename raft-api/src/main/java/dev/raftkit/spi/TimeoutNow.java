package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * Tells an up-to-date follower to start an election at once: the last step of a leadership
 * transfer (dissertation §3.10).
 *
 * @param from the leader handing over
 * @param to the chosen successor
 * @param term the leader's term
 */
public record TimeoutNow(NodeId from, NodeId to, long term) implements RaftMessage {
}
