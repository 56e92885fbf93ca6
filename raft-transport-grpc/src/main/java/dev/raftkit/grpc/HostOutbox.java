package dev.raftkit.grpc;

import com.google.protobuf.CodedOutputStream;
import dev.raftkit.GroupId;
import dev.raftkit.grpc.GrpcTransportStats.DropReason;
import dev.raftkit.grpc.proto.Batch;
import dev.raftkit.grpc.proto.Envelope;
import dev.raftkit.spi.RaftMessage;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A host's queues to one peer host: one bounded queue per group ({@code grpc.maxQueuedMessages} and
 * {@code grpc.maxQueuedBytes} each, the bounds a single node has per peer), drained fairly into
 * {@link Batch} frames.
 *
 * <p>Fairness: groups with queued messages wait in a round-robin line; each turn takes one message
 * of the group at the head, which goes to the back if it has more. So a group that floods fills only
 * its own queue (its excess is dropped and counted as {@code QUEUE_FULL}), and another group's
 * message waits behind at most one message of each other group, never behind a flood. A frame holds
 * every message queued at the time, up to {@code grpc.maxMessageBytes}: several messages per frame
 * when they queue, one when they do not.
 */
final class HostOutbox extends Outbox<Batch> {

    /** Bytes a frame spends on a message besides the message: the field tag and a length of up to 5 bytes. */
    private static final int PER_MESSAGE_OVERHEAD = 6;

    private final String self;
    private final String peer;
    private final Batch header;
    private final int headerBytes;
    private final GrpcTransportOptions options;
    private final Map<GroupId, GroupQueue> queues = new ConcurrentHashMap<>();
    private final Queue<GroupQueue> line = new ConcurrentLinkedQueue<>();
    /** A message taken for the last frame that did not fit in it; the next frame starts with it. */
    private Envelope carried;
    private volatile boolean closed;

    /**
     * Creates the outbox of host {@code self} to {@code peer}.
     *
     * @param selfAddress the sending host's address, carried once per frame
     */
    HostOutbox(String self, String peer, String clusterId, String selfAddress, GrpcTransportOptions options,
            Counters counters) {
        super(counters, options);
        this.self = self;
        this.peer = peer;
        this.options = options;
        this.header = Batch.newBuilder().setClusterId(clusterId).setFromAddress(selfAddress).build();
        this.headerBytes = header.getSerializedSize();
    }

    /** Queues {@code message} of {@code group}, or drops and counts it; returns whether it was queued. */
    boolean offer(GroupId group, RaftMessage message) {
        if (closed) {
            counters.dropped(DropReason.LINK_CLOSED, 1);
            return false;
        }
        GroupQueue queue = queues.computeIfAbsent(group, g -> new GroupQueue(g, options));
        if (!queue.messages.offer(message)) {
            counters.dropped(DropReason.QUEUE_FULL, 1);
            return false;
        }
        queue.enterLine();
        return true;
    }

    /** Drops (and counts) what {@code group} has queued; the group's view closed. */
    void removeGroup(GroupId group) {
        GroupQueue queue = queues.remove(group);
        if (queue != null) {
            counters.dropped(DropReason.LINK_CLOSED, queue.messages.clear());
        }
    }

    @Override
    Batch next() {
        Batch.Builder frame = null;
        long frameBytes = headerBytes;
        Envelope envelope;
        while ((envelope = carried != null ? carried : takeFair()) != null) {
            carried = null;
            int size = envelope.getSerializedSize();
            long needed = CodedOutputStream.computeTagSize(Batch.MESSAGES_FIELD_NUMBER)
                    + CodedOutputStream.computeUInt32SizeNoTag(size) + (long) size;
            if (headerBytes + needed > maxFrameBytes) {
                dropTooLarge(self, envelope.getTo() + " of group " + envelope.getGroupId() + " at " + peer,
                        envelope.getBodyCase().name(), headerBytes + needed);
                continue;
            }
            if (frameBytes + needed > maxFrameBytes) {
                carried = envelope;
                break;
            }
            if (frame == null) {
                frame = header.toBuilder();
            }
            frame.addMessages(envelope);
            frameBytes += needed;
            counters.sent();
        }
        return frame == null ? null : frame.build();
    }

    @Override
    boolean isEmpty() {
        return carried == null && line.isEmpty();
    }

    @Override
    void close() {
        closed = true;
        int dropped = carried == null ? 0 : 1;
        carried = null;
        for (GroupQueue queue : queues.values()) {
            dropped += queue.messages.clear();
        }
        counters.dropped(DropReason.LINK_CLOSED, dropped);
    }

    /** Takes one message of the group at the head of the line, encoded, or null if no group has one. */
    private Envelope takeFair() {
        GroupQueue queue;
        while ((queue = line.poll()) != null) {
            RaftMessage message = queue.messages.poll();
            queue.leaveOrStay();
            if (message != null) {
                return WireCodec.encode(message).setGroupId(queue.group.value()).build();
            }
        }
        return null;
    }

    /** One group's queue and its place in the line. */
    private final class GroupQueue {
        final GroupId group;
        final BoundedQueue messages;
        /** Whether this queue is in the line (or being served); only then may it not be added. */
        private final AtomicBoolean inLine = new AtomicBoolean();

        GroupQueue(GroupId group, GrpcTransportOptions options) {
            this.group = group;
            this.messages = new BoundedQueue(options);
        }

        /** Joins the line after a message was added, unless already in it. */
        void enterLine() {
            if (inLine.compareAndSet(false, true)) {
                line.add(this);
            }
        }

        /** After its turn: back of the line if it has more, else out (rejoining if a message raced in). */
        void leaveOrStay() {
            if (!messages.isEmpty()) {
                line.add(this);
                return;
            }
            inLine.set(false);
            if (!messages.isEmpty()) {
                enterLine();
            }
        }
    }
}
