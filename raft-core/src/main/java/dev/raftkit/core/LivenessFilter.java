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
 * to Raft. One from a sender outside the configuration names no host and is dropped. Where groups
 * quiesce, every other message also tells the host that its sender's host is up
 * ({@link Sink#traffic}): a host busy with its groups' messages may send its liveness heartbeats
 * late, and must not be taken for down meanwhile.
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

        /**
         * Notes that a message of a group came from the host at {@code host}, so it is up; any
         * thread, called for every message, so it must be cheap.
         *
         * @param host the address of the sending member, as this group's configuration gives it
         */
        void traffic(Address host);
    }

    private final MessageHandler driver;
    private final Function<NodeId, Optional<Address>> addressOf;
    private final Sink sink;
    private final boolean notesTraffic;

    /**
     * @param driver the node's driver, which gets every other message
     * @param addressOf the address of a member of the group's current configuration; any thread
     * @param sink where liveness heartbeats go
     * @param notesTraffic whether every other message is noted as traffic too: only where groups
     *     quiesce, since only there does the host watch its peers' liveness
     */
    LivenessFilter(MessageHandler driver, Function<NodeId, Optional<Address>> addressOf, Sink sink,
            boolean notesTraffic) {
        this.driver = driver;
        this.addressOf = addressOf;
        this.sink = sink;
        this.notesTraffic = notesTraffic;
    }

    @Override
    public void onMessage(RaftMessage message) {
        if (message instanceof Heartbeat heartbeat && heartbeat.isLiveness()) {
            addressOf.apply(heartbeat.from()).ifPresent(host -> sink.heard(host, heartbeat.readSeq()));
            return;
        }
        if (notesTraffic) {
            addressOf.apply(message.from()).ifPresent(sink::traffic);
        }
        driver.onMessage(message);
    }

    @Override
    public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
        if (!(message instanceof Heartbeat heartbeat && heartbeat.isLiveness())) {
            driver.onMessageFromUnknownSender(message, senderAddress);
        }
    }
}
