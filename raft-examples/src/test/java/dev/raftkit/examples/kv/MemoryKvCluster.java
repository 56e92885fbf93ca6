package dev.raftkit.examples.kv;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.examples.Eventually;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Three key-value servers in this JVM on the in-memory log store and transport, with real client
 * sockets on loopback (free ports), for the example's tests.
 */
final class MemoryKvCluster implements AutoCloseable {

    private final Map<String, KvServer> servers = new LinkedHashMap<>();
    private final Map<String, InetSocketAddress> clientAddresses = new LinkedHashMap<>();

    /**
     * Starts the servers; they elect a leader on their own.
     *
     * @param nodes how many
     * @param snapshotThreshold entries between snapshots
     * @throws IOException if a client port cannot be bound
     */
    MemoryKvCluster(int nodes, long snapshotThreshold) throws IOException {
        Map<NodeId, Address> members = new LinkedHashMap<>();
        for (int i = 1; i <= nodes; i++) {
            // The memory transport only uses the addresses as names.
            members.put(NodeId.of("kv" + i), new Address("127.0.0.1", 47_100 + i));
        }
        String root = "/mem/kv-cluster/" + UUID.randomUUID();
        for (NodeId id : members.keySet()) {
            Config config = Config.builder(id, members).logStore("memory").transport("memory")
                    .dataDir(Path.of(root, id.value())).electionTimeoutTicks(40, 80)
                    .snapshotThreshold(snapshotThreshold).build();
            KvServer server = KvServer.start(config, new InetSocketAddress("127.0.0.1", 0));
            servers.put(id.value(), server);
            clientAddresses.put(id.value(), server.clientAddress());
        }
    }

    /** {@return the running servers by id} */
    Map<String, KvServer> servers() {
        return servers;
    }

    /** {@return every server's client address by id, stopped ones included} */
    Map<String, InetSocketAddress> clientAddresses() {
        return clientAddresses;
    }

    /** {@return the id of a running server whose node leads}, waiting up to 30 s for an election */
    String leader() {
        return Eventually.find("an election", () -> servers.entrySet().stream()
                .filter(e -> e.getValue().node().role() == Role.LEADER).map(Map.Entry::getKey).findFirst());
    }

    /**
     * Stops one server.
     *
     * @param id its id
     */
    void stop(String id) {
        servers.remove(id).close();
    }

    @Override
    public void close() {
        servers.values().forEach(KvServer::close);
    }
}
