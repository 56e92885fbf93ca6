package dev.raftkit.examples.kv;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.HostConfig;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.examples.LoopbackPorts;
import dev.raftkit.examples.Eventually;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Sharded key-value servers in this JVM, one host each, every host running the same groups, on the
 * providers a test names (the example's own, LMDB and gRPC, or the in-memory ones), with real
 * client sockets on loopback. Each server keeps its Raft and client ports and its data directory
 * across a restart, as a restarted process would.
 */
final class ShardedKvCluster implements AutoCloseable {

    private final int groups;
    private final Map<String, HostConfig> hosts = new LinkedHashMap<>();
    private final Map<String, Config> groupConfigs = new LinkedHashMap<>();
    private final Map<String, InetSocketAddress> clientAddresses = new LinkedHashMap<>();
    private final Map<String, KvServer> servers = new LinkedHashMap<>();

    /**
     * Starts the servers; each group elects a leader on its own.
     *
     * @param count how many servers (hosts)
     * @param groups how many groups each runs
     * @param logStore the log store provider's name
     * @param transport the transport provider's name
     * @param dataRoot the parent of every server's data directory
     * @throws IOException if a client port cannot be bound
     */
    ShardedKvCluster(int count, int groups, String logStore, String transport, Path dataRoot) throws IOException {
        this.groups = groups;
        List<Integer> ports = LoopbackPorts.distinct(2 * count);
        Map<NodeId, Address> members = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            members.put(NodeId.of("kv" + (i + 1)), new Address("127.0.0.1", ports.get(i)));
        }
        for (Map.Entry<NodeId, Address> member : members.entrySet()) {
            String id = member.getKey().value();
            hosts.put(id, HostConfig.builder(member.getValue()).dataDir(dataRoot.resolve(id)).logStore(logStore)
                    .transport(transport).threads(2).build());
            groupConfigs.put(id, Config.builder(member.getKey(), members).electionTimeoutTicks(40, 80).build());
            clientAddresses.put(id, new InetSocketAddress("127.0.0.1", ports.get(count + clientAddresses.size())));
        }
        try {
            for (String id : hosts.keySet()) {
                start(id);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Starts (or restarts, recovering every group from its data) one server.
     *
     * @param id the server's id
     * @throws IOException if its client port cannot be bound
     */
    void start(String id) throws IOException {
        servers.put(id, KvServer.startSharded(hosts.get(id), groupConfigs.get(id), groups, clientAddresses.get(id)));
    }

    /**
     * Stops one server: its host and every group on it.
     *
     * @param id the server's id
     */
    void stop(String id) {
        servers.remove(id).close();
    }

    /** {@return the running servers by id} */
    Map<String, KvServer> servers() {
        return servers;
    }

    /** {@return every server's client address by id, stopped ones included} */
    Map<String, InetSocketAddress> clientAddresses() {
        return clientAddresses;
    }

    /**
     * Returns the running server whose node leads a group, waiting up to 30 s for an election.
     *
     * @param group the group's index
     * @return the leader's server
     */
    KvServer leader(int group) {
        return Eventually.find("an election in group " + KvSharding.groupId(group), () -> servers.values().stream()
                .filter(s -> s.node(group).role() == Role.LEADER).findFirst());
    }

    /** Waits up to 30 s until every running server knows the same leader of every group, and it leads. */
    void awaitAgreedLeaders() {
        Eventually.find("every server knowing every group's leader", () -> Optional.of(true)
                .filter(t -> IntStream.range(0, groups).allMatch(this::agreedLeader)));
    }

    private boolean agreedLeader(int group) {
        Set<Optional<NodeId>> known = servers.values().stream().map(s -> s.node(group).leader())
                .collect(Collectors.toSet());
        return known.size() == 1 && known.iterator().next()
                .map(id -> servers.get(id.value()))
                .filter(leader -> leader.node(group).role() == Role.LEADER).isPresent();
    }

    @Override
    public void close() {
        servers.values().forEach(KvServer::close);
        servers.clear();
    }
}
