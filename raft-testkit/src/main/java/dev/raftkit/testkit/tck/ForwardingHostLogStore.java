package dev.raftkit.testkit.tck;

import dev.raftkit.GroupId;
import dev.raftkit.spi.GroupWrite;
import dev.raftkit.spi.HostLogStore;
import dev.raftkit.spi.LogStore;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link HostLogStore} that hands every call to another host store. Extend it to watch or change
 * a few calls (time the host-wide persists, wrap each group's store in a {@link ForwardingLogStore})
 * and inherit the rest.
 */
public abstract class ForwardingHostLogStore implements HostLogStore {

    /** The host store every call goes to. */
    protected final HostLogStore delegate;

    /**
     * Forwards to {@code delegate}.
     *
     * @param delegate the host store every call goes to
     */
    protected ForwardingHostLogStore(HostLogStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public LogStore group(GroupId group) throws IOException {
        return delegate.group(group);
    }

    @Override
    public void persist(List<GroupWrite> writes) throws IOException {
        delegate.persist(writes);
    }

    @Override
    public void deleteGroup(GroupId group) throws IOException {
        delegate.deleteGroup(group);
    }

    @Override
    public Set<GroupId> groups() throws IOException {
        return delegate.groups();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
