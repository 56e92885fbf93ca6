package dev.raftkit.spi;

import dev.raftkit.Address;

/**
 * Receives the messages a {@link Transport} delivers to its node.
 *
 * <p>{@link #onMessage} and {@link #onMessageFromUnknownSender} never block and never throw; a
 * transport may call them from any of its threads, also concurrently.
 */
@FunctionalInterface
public interface MessageHandler {

    /**
     * Hands over one inbound message, already checked for cluster id, sender and size.
     *
     * @param message the message; its {@code to()} is this node
     */
    void onMessage(RaftMessage message);

    /**
     * Hands over one inbound message of this cluster, addressed to this node and within the size
     * limit, whose sender is not a current peer, together with the address the sender says it is
     * reached at. Such a message never goes to {@link #onMessage}.
     *
     * <p>The engine decides whether to hear it: it does so only for leader traffic of its current
     * or a newer term, to catch up with a leader that joined the cluster while this node was cut
     * off (or that a joining node was not started with). It may then add the sender to the
     * transport's peers, so that replies reach it. The default ignores the message.
     *
     * @param message the message; its {@code to()} is this node
     * @param senderAddress where the sender says it is reached at; not verified
     */
    default void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
    }
}
