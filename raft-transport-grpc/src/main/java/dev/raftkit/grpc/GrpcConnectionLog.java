package dev.raftkit.grpc;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * gRPC's own log of failed connections, which gRPC writes through {@code java.util.logging}: a stack
 * trace at INFO for each junk connection, and the direct-memory {@code OutOfMemoryError} at INFO too.
 * Quieted to WARNING unless the application configured its level; {@link ConnectionLimiter} logs one
 * rate-limited line per kind instead. The only place Raftkit touches {@code java.util.logging}: it
 * sets a level of gRPC's logger and logs nothing itself.
 */
final class GrpcConnectionLog {

    /** The logger's name in the gRPC version Raftkit builds against (its Netty transport is shaded). */
    static final String NAME = "io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections";

    /** Held so that the level set on it is not lost when {@code java.util.logging} drops an unreferenced logger. */
    private static final Logger LOG = Logger.getLogger(NAME);

    private GrpcConnectionLog() {
    }

    /** Lowers gRPC's per-connection failure log to WARNING unless the application configured its level. */
    static void quiet() {
        synchronized (LOG) {
            if (LOG.getLevel() == null) {
                LOG.setLevel(Level.WARNING);
            }
        }
    }
}
