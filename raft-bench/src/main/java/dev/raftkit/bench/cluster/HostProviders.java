package dev.raftkit.bench.cluster;

/**
 * The log store and transport providers the hosts of the group workloads use, by name.
 *
 * @param logStore the log store provider's name
 * @param transport the transport provider's name
 */
record HostProviders(String logStore, String transport) {

    /** LMDB with full durability and gRPC on loopback: what the workloads measure by default. */
    static final HostProviders LMDB_GRPC = new HostProviders("lmdb", "grpc");

    /** The memory store and transport of raft-testkit: the engine's cost without disk or sockets. */
    static final HostProviders MEMORY = new HostProviders("memory", "memory");

    /** {@return both names, as the table prints them} */
    @Override
    public String toString() {
        return logStore + " + " + transport;
    }
}
