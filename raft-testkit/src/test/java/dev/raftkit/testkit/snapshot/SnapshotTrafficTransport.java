package dev.raftkit.testkit.snapshot;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.spi.InstallSnapshot;
import dev.raftkit.spi.InstallSnapshotResponse;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Transport} that passes everything to another one and counts the snapshot traffic of its
 * node: InstallSnapshot chunks and bytes it sends (as a leader) and receives (as a follower), and
 * the offset of every chunk it received and the highest offset it acknowledged (as a follower), so
 * a test can see how far a transfer got, where it resumed and what it cost. Thread-safe, like the
 * transport it wraps.
 */
final class SnapshotTrafficTransport implements Transport {

    private final Transport delegate;
    private final AtomicLong chunksSent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong highestAck = new AtomicLong();
    private final List<Long> offsetsReceived = new CopyOnWriteArrayList<>();

    SnapshotTrafficTransport(Transport delegate) {
        this.delegate = delegate;
    }

    @Override
    public void start(MessageHandler handler) throws IOException {
        delegate.start(new MessageHandler() {
            @Override
            public void onMessage(RaftMessage message) {
                count(message);
                handler.onMessage(message);
            }

            @Override
            public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
                count(message);
                handler.onMessageFromUnknownSender(message, senderAddress);
            }
        });
    }

    private void count(RaftMessage message) {
        if (message instanceof InstallSnapshot chunk) {
            bytesReceived.addAndGet(chunk.data().length);
            offsetsReceived.add(chunk.offset());
        }
    }

    @Override
    public void updatePeers(Map<NodeId, Address> peers) {
        delegate.updatePeers(peers);
    }

    @Override
    public void send(RaftMessage message) {
        if (message instanceof InstallSnapshot chunk) {
            chunksSent.incrementAndGet();
            bytesSent.addAndGet(chunk.data().length);
        } else if (message instanceof InstallSnapshotResponse response) {
            highestAck.accumulateAndGet(response.nextOffset(), Math::max);
        }
        delegate.send(message);
    }

    @Override
    public long maxMessageBytes() {
        return delegate.maxMessageBytes();
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** Returns how many InstallSnapshot chunks this node handed to its transport. */
    long chunksSent() {
        return chunksSent.get();
    }

    /** Returns how many snapshot data bytes those chunks carried. */
    long bytesSent() {
        return bytesSent.get();
    }

    /** Returns how many InstallSnapshot chunks reached this node. */
    long chunksReceived() {
        return offsetsReceived.size();
    }

    /** Returns how many snapshot data bytes reached this node. */
    long bytesReceived() {
        return bytesReceived.get();
    }

    /** Returns the offset of every chunk that reached this node, in order of arrival. */
    List<Long> offsetsReceived() {
        return List.copyOf(offsetsReceived);
    }

    /** Returns the highest offset this node acknowledged as received, or the size once installed. */
    long highestAck() {
        return highestAck.get();
    }
}
