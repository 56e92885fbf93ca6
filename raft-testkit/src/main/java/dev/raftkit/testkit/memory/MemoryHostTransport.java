package dev.raftkit.testkit.memory;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import dev.raftkit.spi.HostTransport;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link HostTransport} of the {@code memory} provider: one endpoint of a {@link MemoryNetwork}
 * at the host's address, carrying the messages of every group of the host, each tagged with its
 * {@link GroupId}.
 *
 * <p>Each group's view ({@link #group}) is a {@link MemoryTransport} with all of its obligations
 * (cluster id, recipient and sender checks, the unknown-sender path, the size bound, counters);
 * only where it meets the network differs. The network's host faults
 * ({@link MemoryNetwork#isolateHost}, {@link MemoryNetwork#partitionHosts},
 * {@link MemoryNetwork#blockHost}) act on the host's address, so they cut every group of the host
 * at once.
 *
 * <p>A message for a group this host does not run (no view of the group is started) is dropped
 * and counted by group id: {@link #unknownGroupDrops(GroupId)}. A message without a group (sent by
 * a single node's transport) is dropped too and counted in {@link #untaggedDrops()}.
 *
 * <p>Option {@code memory.maxMessageBytes} applies to every group, as for a single node. Starts no
 * thread: the network's scheduler runs the deliveries. Thread-safe.
 */
public final class MemoryHostTransport implements HostTransport {

    private final MemoryNetwork network;
    private final Address address;
    private final String clusterId;
    private final long maxMessageBytes;
    private final MemoryNetwork.Endpoint endpoint = this::receive;
    /** Views opened by {@link #group} and not closed yet. Guarded by {@code this}. */
    private final Map<GroupId, MemoryTransport> open = new HashMap<>();
    /** Started views, to which deliveries go. */
    private final Map<GroupId, MemoryTransport> running = new ConcurrentHashMap<>();
    private final Map<GroupId, AtomicLong> unknownGroupDrops = new ConcurrentHashMap<>();
    private final AtomicLong untaggedDrops = new AtomicLong();
    private boolean started;
    private boolean closed;

    /**
     * Creates the transport of a host; its address, cluster id and option
     * {@code memory.maxMessageBytes} come from {@code config}.
     *
     * @param network the network to attach to at {@link #start}
     * @param config the host's configuration
     * @throws IllegalArgumentException if {@code memory.maxMessageBytes} is not a positive number, or
     *     another {@code memory.*} option is set
     */
    public MemoryHostTransport(MemoryNetwork network, HostConfig config) {
        this.network = Objects.requireNonNull(network, "network");
        this.address = config.address();
        this.clusterId = config.clusterId();
        this.maxMessageBytes = MemoryTransport.maxMessageBytes(config.options());
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException(MemoryTransport.MAX_MESSAGE_BYTES_OPTION + " must be >= 1, was "
                    + maxMessageBytes);
        }
    }

    /** {@return the inbound size bound of every group's view, {@code memory.maxMessageBytes}} */
    @Override
    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    /**
     * Attaches the host at its address.
     *
     * @throws IOException if another transport is attached at that address
     * @throws IllegalStateException if already started or closed
     */
    @Override
    public synchronized void start() throws IOException {
        if (started || closed) {
            throw new IllegalStateException("memory host transport at " + address + " was already "
                    + (closed ? "closed" : "started"));
        }
        if (!network.attach(address, endpoint)) {
            throw new IOException("address " + address + " is in use by another memory transport");
        }
        started = true;
    }

    /**
     * Opens the view of one group, a {@link MemoryTransport} for {@code groupConfig.self()} whose
     * peers are the group's other members. The host's cluster id and size bound apply.
     *
     * @throws IllegalStateException if a view of {@code group} is open, or this transport is closed
     */
    @Override
    public synchronized Transport group(GroupId group, Config groupConfig) {
        Objects.requireNonNull(group, "group");
        if (closed) {
            throw new IllegalStateException("memory host transport at " + address + " is closed");
        }
        if (open.containsKey(group)) {
            throw new IllegalStateException("group " + group + " already has an open view on the memory host transport at "
                    + address);
        }
        Map<NodeId, Address> peers = new HashMap<>(groupConfig.members());
        peers.remove(groupConfig.self());
        MemoryTransport view = new MemoryTransport(new GroupPort(group), groupConfig.self(), clusterId, peers,
                maxMessageBytes);
        open.put(group, view);
        return view;
    }

    /** Closes every group's view and detaches the host from the network. Idempotent. */
    @Override
    public void close() {
        List<MemoryTransport> views;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            views = new ArrayList<>(open.values());
        }
        for (MemoryTransport view : views) {
            view.close();
        }
        network.detach(address, endpoint);
    }

    /**
     * Returns how many messages for {@code group} arrived while this host did not run it (no view
     * of it was started), and were dropped.
     *
     * @param group the group
     * @return the count since creation
     */
    public long unknownGroupDrops(GroupId group) {
        AtomicLong count = unknownGroupDrops.get(group);
        return count == null ? 0 : count.get();
    }

    /** {@return how many messages without a group (from a single node's transport) arrived and were dropped} */
    public long untaggedDrops() {
        return untaggedDrops.get();
    }

    @Override
    public String toString() {
        return "MemoryHostTransport[" + address + "]";
    }

    private void receive(String messageClusterId, Address senderAddress, GroupId group, RaftMessage message) {
        if (group == null) {
            untaggedDrops.incrementAndGet();
            return;
        }
        MemoryTransport view = running.get(group);
        if (view == null) {
            unknownGroupDrops.computeIfAbsent(group, g -> new AtomicLong()).incrementAndGet();
            return;
        }
        view.receive(messageClusterId, senderAddress, message);
    }

    /** Where one group's view meets the network: the host's endpoint, with the group on each message. */
    private final class GroupPort implements MemoryTransport.Port {
        private final GroupId group;

        GroupPort(GroupId group) {
            this.group = group;
        }

        @Override
        public boolean attach(MemoryTransport transport) {
            return running.putIfAbsent(group, transport) == null;
        }

        @Override
        public void detach(MemoryTransport transport) {
            running.remove(group, transport);
            synchronized (MemoryHostTransport.this) {
                open.remove(group, transport);
            }
        }

        @Override
        public void send(Address to, String messageClusterId, RaftMessage message) {
            network.send(address, endpoint, to, messageClusterId, group, message);
        }

        @Override
        public String toString() {
            return "group " + group + " of the memory host transport at " + address;
        }
    }
}
