/**
 * The {@code grpc} transport: Raft messages as protobuf over one long-lived gRPC stream per peer,
 * with cluster and sender checks, bounded sizes and queues, reconnect backoff and optional mutual
 * TLS. Users select it with {@code Config.Builder.transport("grpc")}; see
 * {@link dev.raftkit.grpc.GrpcTransportOptions} for its options.
 */
package dev.raftkit.grpc;
