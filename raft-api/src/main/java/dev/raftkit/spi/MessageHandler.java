package dev.raftkit.spi;

/**
 * Receives the messages a {@link Transport} delivers to its node.
 *
 * <p>{@link #onMessage} never blocks and never throws; a transport may call it from any of its
 * threads, also concurrently.
 */
@FunctionalInterface
public interface MessageHandler {

    /**
     * Hands over one inbound message, already checked for cluster id, sender and size.
     *
     * @param message the message; its {@code to()} is this node
     */
    void onMessage(RaftMessage message);
}
