package dev.raftkit.testkit.sim;

import dev.raftkit.Address;
import dev.raftkit.GroupId;
import dev.raftkit.spi.Heartbeat;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Checks that no message of one group is ever delivered to another group. It wraps each host's
 * transport where the engine meets it: every message a group's engine sends is remembered (by
 * identity: two groups may send equal messages) with the group that sent it, and every message a
 * group's handler is given must have been sent by that same group. A message is remembered for
 * {@link #MEMORY_NANOS} of virtual time, far beyond the longest network delay the simulation draws,
 * so one delivered that no group sent within that time is reported too. It also counts each
 * group's Raft messages ({@link #sentBy}), so a run can check that idle groups go quiet, and apart
 * from them the hosts' liveness heartbeats, which go on groups too ({@link #livenessSent}).
 *
 * <p>Deliveries run inside the transport, which must not throw, so a broken property is recorded
 * and {@link #check()}, called by the event loop after every event, throws it. Not thread-safe: the
 * simulation runs on one thread.
 */
final class CrossGroupMonitor {

    /** How long a sent message is remembered: 2 s of virtual time. */
    static final long MEMORY_NANOS = 2_000_000_000L;

    /** Who sent a message, and when (a message object sent again is remembered from its last send). */
    private record Sent(GroupId group, long at) {
    }

    /** A send, in the order they happened, to forget them once old. */
    private record Send(RaftMessage message, long at) {
    }

    private final LongSupplier clock;
    private final Map<RaftMessage, Sent> sentBy = new IdentityHashMap<>();
    private final ArrayDeque<Send> sends = new ArrayDeque<>();
    private final Map<GroupId, Long> sendsByGroup = new HashMap<>();
    private long livenessSends;
    private long delivered;
    private String violation;

    /**
     * @param clock the virtual time, in nanoseconds
     */
    CrossGroupMonitor(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * Wraps a host's transport so that every group's sends and deliveries through it are checked.
     *
     * @param transport the host's transport
     * @return the transport to hand the host
     */
    HostTransport watch(HostTransport transport) {
        return new WrappedGroups(transport, WatchedGroup::new);
    }

    /** Throws the first recorded violation, if any. */
    void check() {
        if (violation != null) {
            throw new SafetyViolation(violation);
        }
    }

    /** {@return how many deliveries were checked} */
    long delivered() {
        return delivered;
    }

    /**
     * Returns how many Raft messages a group sent, over every host, so a test can tell an idle
     * group that went quiet from one that still heartbeats; the hosts' liveness heartbeats sent on
     * it are not counted.
     *
     * @param group the group
     * @return the count since the hosts started
     */
    long sentBy(GroupId group) {
        return sendsByGroup.getOrDefault(group, 0L);
    }

    /** {@return how many liveness heartbeats ({@link Heartbeat#isLiveness}) the hosts sent, on every group} */
    long livenessSent() {
        return livenessSends;
    }

    private void sent(GroupId group, RaftMessage message) {
        if (message instanceof Heartbeat heartbeat && heartbeat.isLiveness()) {
            livenessSends++;
        } else {
            sendsByGroup.merge(group, 1L, Long::sum);
        }
        long now = clock.getAsLong();
        while (!sends.isEmpty() && sends.peekFirst().at() < now - MEMORY_NANOS) {
            Send old = sends.removeFirst();
            Sent last = sentBy.get(old.message());
            if (last != null && last.at() == old.at()) {
                sentBy.remove(old.message());
            }
        }
        sentBy.put(message, new Sent(group, now));
        sends.addLast(new Send(message, now));
    }

    private void delivered(GroupId group, RaftMessage message) {
        delivered++;
        Sent sent = sentBy.get(message);
        if (violation != null) {
            return;
        }
        if (sent == null) {
            violation = "cross-group delivery: group " + group + " was handed " + message
                    + ", which no group sent in the last " + MEMORY_NANOS / 1_000_000 + " ms";
        } else if (!sent.group().equals(group)) {
            violation = "cross-group delivery: " + message + " sent by group " + sent.group()
                    + " was delivered to group " + group;
        }
    }

    /** One group's view: its sends are remembered, its deliveries checked. */
    private final class WatchedGroup extends ForwardingTransport {
        private final GroupId group;

        WatchedGroup(GroupId group, Transport inner) {
            super(inner);
            this.group = group;
        }

        @Override
        public void start(MessageHandler handler) throws IOException {
            super.start(new MessageHandler() {
                @Override
                public void onMessage(RaftMessage message) {
                    delivered(group, message);
                    handler.onMessage(message);
                }

                @Override
                public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
                    delivered(group, message);
                    handler.onMessageFromUnknownSender(message, senderAddress);
                }
            });
        }

        @Override
        public void send(RaftMessage message) {
            sent(group, message);
            super.send(message);
        }
    }
}
