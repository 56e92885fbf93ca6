package dev.raftkit.grpc;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving checks of one node, and its handler: a single node's, or one group's view on a
 * host. A decoded message (cluster id and sender identity already checked by the stream) must be
 * addressed to {@code self}; its sender must be a current peer, or else give its address, and then
 * it goes to {@link MessageHandler#onMessageFromUnknownSender} instead of
 * {@link MessageHandler#onMessage}. Thread-safe; the handler never blocks, by its contract.
 */
final class Recipient {

    private static final Logger LOG = LoggerFactory.getLogger(Recipient.class);

    /**
     * Why a message was refused, for the stream to count, log and report to the sender.
     *
     * @param reason the counted reason
     * @param detail what was wrong, for this side's log only
     */
    record Refusal(RejectReason reason, String detail) {
    }

    /** What the logs call this recipient: the node id, or {@code group/node} on a host. */
    private final String name;
    private final NodeId self;
    private final Predicate<NodeId> isPeer;
    private final BooleanSupplier running;
    private final MessageHandler handler;
    private final Counters counters;
    private final RejectionLog rejections;

    /**
     * Creates the recipient {@code self}.
     *
     * @param isPeer whether a sender is a current peer (read per message: peers change)
     * @param running whether it still delivers (false once closing)
     */
    Recipient(String name, NodeId self, Predicate<NodeId> isPeer, BooleanSupplier running, MessageHandler handler,
            Counters counters, RejectionLog rejections) {
        this.name = name;
        this.self = self;
        this.isPeer = isPeer;
        this.running = running;
        this.handler = handler;
        this.counters = counters;
        this.rejections = rejections;
    }

    /**
     * Checks {@code message} against this node and hands it to the handler.
     *
     * @param fromAddress the address the sender gave, empty if none
     * @return null if the message was handed on (or dropped because this recipient no longer
     *     delivers), else why it was refused
     */
    Refusal deliver(RaftMessage message, String fromAddress) {
        boolean fromPeer = isPeer.test(message.from());
        Address senderAddress = null;
        if (!fromPeer) {
            if (fromAddress.isEmpty()) {
                return new Refusal(RejectReason.UNKNOWN_SENDER, "sender " + message.from() + " is not a peer of " + name
                        + " and gave no address");
            }
            try {
                senderAddress = Address.parse(fromAddress);
            } catch (IllegalArgumentException e) {
                return new Refusal(RejectReason.INVALID_FIELD, "from_address: " + e.getMessage());
            }
        }
        if (!message.to().equals(self)) {
            return new Refusal(RejectReason.WRONG_RECIPIENT, "addressed to " + message.to() + ", this is " + name);
        }
        if (!running.getAsBoolean()) {
            return null;
        }
        try {
            if (fromPeer) {
                counters.delivered();
                handler.onMessage(message);
            } else {
                rejections.rejected(RejectReason.UNKNOWN_SENDER, "sender " + message.from() + " at " + senderAddress
                        + " is not a peer of " + name + "; handed to the engine, which hears it only as a leader");
                handler.onMessageFromUnknownSender(message, senderAddress);
            }
        } catch (RuntimeException e) { // a broken handler must not end the peer's stream
            LOG.error("{}: message handler threw on {}", name, message, e);
        }
        return null;
    }
}
