package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import java.util.Optional;
import java.util.function.Function;

/**
 * A node's message handler in front of its {@link Driver}: hands a host's liveness heartbeat
 * ({@link Heartbeat#isLiveness}) to the host, naming the sending host by the address the group's
 * configuration gives the sending member, and every other message to the driver. A liveness
 * heartbeat never reaches the core: it would wake a quiesced group, and its term 0 means nothing
 * to Raft. One from a sender outside the configuration names no host and is dropped.
 */
final class LivenessFilter implements MessageHandler {

    /** Where a liveness heartbeat goes: the host's {@link HostLiveness}, or nowhere for a single node. */
    interface Sink {
        /**
         * Notes that the host at {@code host} is up; any thread.
         *
         * @param host the address of the sending member, as this group's configuration gives it
         * @param incarnation the sending host's incarnation
         */
        void heard(Address host, long incarnation);
    }

    private final MessageHandler driver;
    private final Function<NodeId, Optional<Address>> addressOf;
    private final Sink sink;

    /**
     * @param driver the node's driver, which gets every other message
     * @param addressOf the address of a member of the group's current configuration; any thread
     * @param sink where liveness heartbeats go
     */
    LivenessFilter(MessageHandler driver, Function<NodeId, Optional<Address>> addressOf, Sink sink) {
        this.driver = driver;
        this.addressOf = addressOf;
        this.sink = sink;
    }

    @Override
    public void onMessage(RaftMessage message) {
        if (message instanceof Heartbeat heartbeat && heartbeat.isLiveness()) {
            addressOf.apply(heartbeat.from()).ifPresent(host -> sink.heard(host, heartbeat.readSeq()));
        } else {
            driver.onMessage(message);
        }
    }

    @Override
    public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
        if (!(message instanceof Heartbeat heartbeat && heartbeat.isLiveness())) {
            driver.onMessageFromUnknownSender(message, senderAddress);
        }
    }
}
