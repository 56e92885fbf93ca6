package dev.raftkit.testkit.sim;

import dev.raftkit.Address;
import dev.raftkit.NodeId;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.Map;

/**
 * A transport that hands every call to another one: the base of the simulation's checks and
 * faults that watch or alter what one node or group sends and receives, overriding only that.
 */
class ForwardingTransport implements Transport {

    private final Transport inner;

    /**
     * @param inner the transport every call goes to
     */
    ForwardingTransport(Transport inner) {
        this.inner = inner;
    }

    @Override
    public long maxMessageBytes() {
        return inner.maxMessageBytes();
    }

    @Override
    public void start(MessageHandler handler) throws IOException {
        inner.start(handler);
    }

    @Override
    public void updatePeers(Map<NodeId, Address> peers) {
        inner.updatePeers(peers);
    }

    @Override
    public void send(RaftMessage message) {
        inner.send(message);
    }

    @Override
    public void close() {
        inner.close();
    }
}
