package dev.raftkit.grpc;

import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link PeerLink} sends: the queued messages to one peer, turned into frames of type
 * {@code F} as the stream can take them. The owner adds messages and wakes the link; the link calls
 * {@link #next}, {@link #isEmpty} and {@link #close} with its stream lock held, so they never run
 * concurrently with each other (adding may run concurrently with any of them).
 *
 * @param <F> the frame type of the stream
 */
abstract class Outbox<F> {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    /** The transport's counters. */
    final Counters counters;
    /** The largest frame to write, {@code grpc.maxMessageBytes}. */
    final int maxFrameBytes;

    Outbox(Counters counters, GrpcTransportOptions options) {
        this.counters = counters;
        this.maxFrameBytes = options.maxMessageBytes();
    }

    /**
     * Takes the next frame to write, counting its messages as sent (and dropping and counting any
     * message too large to send).
     *
     * @return the frame, or null if nothing is queued
     */
    abstract F next();

    /** {@return whether nothing is queued} */
    abstract boolean isEmpty();

    /** Drops everything queued and everything offered from now on, counting them as {@code LINK_CLOSED}. */
    abstract void close();

    /** Drops and counts a message of type {@code kind} whose frame of {@code size} bytes exceeds {@link #maxFrameBytes}. */
    void dropTooLarge(String self, String peer, String kind, long size) {
        counters.dropped(DropReason.TOO_LARGE, 1);
        LOG.warn("{}: dropped a {} of {} bytes to {}: over {} = {}", self, kind, size, peer,
                GrpcTransportOptions.MAX_MESSAGE_BYTES, maxFrameBytes);
    }
}
