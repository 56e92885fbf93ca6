package dev.raftkit.core;

import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the core's messages to the transport, dropping those the transport need not carry.
 *
 * <p>Runs on the driver thread (messages of a ready) and on the storage thread (messages sent only
 * once their entries are durable); it is safe for both.
 */
final class Outbox {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final String nodeId;
    private final Transport transport;
    /** The largest message, by {@code sizeBytes()}, the transport must carry. */
    private final long maxMessageBytes;
    /** The first entry of the last AppendEntries refused as too large, so each is logged once. */
    private final AtomicLong oversizedEntryLogged = new AtomicLong(-1);

    Outbox(String nodeId, Transport transport) {
        this.nodeId = nodeId;
        this.transport = transport;
        this.maxMessageBytes = transport.maxMessageBytes() - Transport.ENVELOPE_RESERVE_BYTES;
    }

    /** Sends {@code message}; a transport that throws loses it, as the protocol allows. */
    void send(RaftMessage message) {
        if (message.sizeBytes() > maxMessageBytes) {
            refuseOversized(message);
            return;
        }
        try {
            transport.send(message);
        } catch (RuntimeException e) {
            // The Transport contract forbids throwing; treat it as a lost message.
            LOG.warn("[{}] transport threw on send to {}; message dropped", nodeId, message.to(), e);
        }
    }

    /**
     * Drops a message the transport need not carry instead of handing it on. Only an entry appended
     * before the transport's limit was lowered can cause one (writes over {@code maxCommandBytes}
     * are refused, and {@code maxCommandBytes} fits the limit): that entry cannot reach a follower
     * until every node's transport carries it again, so the problem is logged once per entry, with
     * the fix; the protocol retries at its normal pace meanwhile, no faster.
     */
    private void refuseOversized(RaftMessage message) {
        long entry = message instanceof AppendEntries append && !append.entries().isEmpty()
                ? append.entries().get(0).index() : 0;
        if (oversizedEntryLogged.getAndSet(entry) != entry) {
            LOG.error("[{}] cannot send a {} of {} bytes to {}: the transport carries at most {} ({} minus {} for its "
                    + "envelope){}; raise the transport's limit (e.g. grpc.maxMessageBytes) on every node", nodeId,
                    message.getClass().getSimpleName(), message.sizeBytes(), message.to(), maxMessageBytes,
                    transport.maxMessageBytes(), Transport.ENVELOPE_RESERVE_BYTES,
                    entry > 0 ? "; entry " + entry + " alone is that large" : "");
        }
    }

    /** Closes the transport: nothing is sent or received afterwards. */
    void close() {
        try {
            transport.close();
        } catch (RuntimeException e) {
            LOG.warn("[{}] closing the transport failed", nodeId, e);
        }
    }
}
