package dev.raftkit.spi;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import java.io.IOException;
import java.util.Map;

/**
 * Carries {@link RaftMessage}s between the nodes of one cluster.
 *
 * <h2>Delivery</h2>
 * Best effort: a message may be lost, and the engine retries what matters, so loss is never an
 * error. Messages to one peer should arrive in the order sent; the engine tolerates duplicates and
 * reordering too, but reordering costs throughput. Every message carries the cluster id of the
 * configuration, its sender, and the address the sender is reached at. A transport rejects (and
 * counts) messages of another cluster, addressed to another node, or larger than its configured
 * limit, and never hands them on. A message from a sender that is not a current peer is counted
 * too, but is not simply dropped: when it carries the sender's address, it goes to
 * {@link MessageHandler#onMessageFromUnknownSender} (never to {@link MessageHandler#onMessage}),
 * because during a membership change a new leader may be unknown to a node that was cut off.
 *
 * <h2>Threading</h2>
 * {@link #send} may be called from any thread, never blocks and never throws for delivery
 * problems (an unreachable peer, a full queue): it drops and counts instead. {@link #start},
 * {@link #updatePeers} and {@link #close} are called by the engine, one at a time.
 *
 * <h2>Lifecycle</h2>
 * {@code open} (provider) then {@link #start} once, then sends and peer updates, then
 * {@link #close}, after which no thread of the transport runs and no message is delivered.
 *
 * <p>Implementers: extend {@code dev.raftkit.testkit.tck.TransportTck} (raft-testkit) to check these
 * obligations.
 */
public interface Transport extends AutoCloseable {

    /**
     * Starts receiving (for a network transport: binds this node's own address) and delivering
     * inbound messages to {@code handler}.
     *
     * @param handler where inbound messages go
     * @throws IOException if the transport cannot start, e.g. the address is in use
     */
    void start(MessageHandler handler) throws IOException;

    /**
     * Replaces the set of peers this node may exchange messages with, as membership changes. The
     * initial set is {@code config.members()} without self.
     *
     * @param peers every peer's id and address, self excluded
     */
    void updatePeers(Map<NodeId, Address> peers);

    /**
     * Sends a message to {@code message.to()}, without blocking. Loss is reported through counters
     * and logs, never by throwing.
     *
     * @param message the message; its {@code from()} is this node
     */
    void send(RaftMessage message);

    /** Stops the transport: closes connections, ends its threads. Idempotent. */
    @Override
    void close();
}
