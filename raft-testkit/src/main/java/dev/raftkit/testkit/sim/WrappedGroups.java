package dev.raftkit.testkit.sim;

import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.function.BiFunction;

/**
 * A host's transport whose group views are wrapped, so that a check of the simulation sees each
 * group's sends and deliveries where the engine meets the transport; everything else goes to the
 * host's transport unchanged.
 */
final class WrappedGroups implements HostTransport {

    private final HostTransport inner;
    private final BiFunction<GroupId, Transport, Transport> wrapper;

    /**
     * @param inner the host's transport
     * @param wrapper wraps the view of a group, given the group's id and the view
     */
    WrappedGroups(HostTransport inner, BiFunction<GroupId, Transport, Transport> wrapper) {
        this.inner = inner;
        this.wrapper = wrapper;
    }

    @Override
    public long maxMessageBytes() {
        return inner.maxMessageBytes();
    }

    @Override
    public void start() throws IOException {
        inner.start();
    }

    @Override
    public Transport group(GroupId group, Config groupConfig) {
        return wrapper.apply(group, inner.group(group, groupConfig));
    }

    @Override
    public void close() {
        inner.close();
    }
}
