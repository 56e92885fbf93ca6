package dev.raftkit.spi;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

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
 * <h2>Size</h2>
 * A transport states the largest encoded message it carries, {@link #maxMessageBytes()}, and must
 * carry every message whose {@link RaftMessage#sizeBytes()} is at most that limit minus
 * {@link #ENVELOPE_RESERVE_BYTES}; a larger one it refuses and counts (never throws). The engine
 * keeps to that bound: it cuts AppendEntries and InstallSnapshot chunks by bytes, refuses a write
 * larger than {@code Config.maxCommandBytes()}, and refuses to start when such a write would not
 * fit in one message.
 *
 * <h2>Threading</h2>
 * {@link #send} may be called from any thread, never blocks and never throws for delivery
 * problems (an unreachable peer, a full queue): it drops and counts instead. {@link #start},
 * {@link #updatePeers} and {@link #close} are called by the engine, one at a time. A transport
 * that sends every message from one thread may offer it to run the node's steps on
 * ({@link #sendingThread}).
 *
 * <h2>Lifecycle</h2>
 * {@code open} (provider) then {@link #start} once, then sends and peer updates, then
 * {@link #close}, after which no thread of the transport runs and no message is delivered.
 *
 * <p>Implementers: extend {@code dev.raftkit.testkit.tck.TransportTck} (raft-testkit) to check these
 * obligations.
 */
public interface Transport extends AutoCloseable {

    /** The limit of a transport that does not state its own: 16 MiB. */
    long DEFAULT_MAX_MESSAGE_BYTES = 16L << 20;

    /**
     * Bytes of every message's limit the engine leaves to the transport's own framing: the
     * envelope (cluster id, sender and receiver ids, the sender's address) and whatever its encoding
     * adds beyond {@link RaftMessage#sizeBytes()}. 4 KiB.
     */
    long ENVELOPE_RESERVE_BYTES = 4096;

    /**
     * States how large a message this transport carries. The engine sizes every message it sends to
     * at most this minus {@link #ENVELOPE_RESERVE_BYTES}, by {@link RaftMessage#sizeBytes()}; the
     * transport must carry every such message, and may refuse (and count) larger ones.
     *
     * @return the largest encoded message, in bytes; {@link #DEFAULT_MAX_MESSAGE_BYTES} unless
     *     overridden
     */
    default long maxMessageBytes() {
        return DEFAULT_MAX_MESSAGE_BYTES;
    }

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

    /**
     * The thread this transport sends from, if it sends every message from one: the engine then
     * runs the node's steps there rather than on a driver thread of its own, so that the messages a
     * step sends leave without waking another thread first. A step run there never blocks on the
     * disk, and calls {@link #send} on the same thread. The executor must run tasks one at a time,
     * in the order given, and may refuse them with
     * {@link java.util.concurrent.RejectedExecutionException} before {@link #start} and once the
     * transport closes: the engine's own thread runs them then.
     *
     * <p>Empty unless overridden: the engine keeps its own driver thread, as for any transport
     * that sends from several threads or from the caller's.
     *
     * @return the executor of the sending thread, or empty
     */
    default Optional<Executor> sendingThread() {
        return Optional.empty();
    }

    /** Stops the transport: closes connections, ends its threads. Idempotent. */
    @Override
    void close();
}
