package dev.raftkit.grpc;

import dev.raftkit.grpc.GrpcTransportStats.RejectReason;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the inbound connections of the server, in total and per remote IP address, and reports
 * connections that ended without ever carrying a stream.
 *
 * <p>It makes the server's listening channel: a connection accepted beyond a bound is closed at
 * once, before any byte of it is read, and counted as {@code TOO_MANY_CONNECTIONS}. A connection
 * that closes without a stream having been opened on it ({@link #streamOpened}) is counted as
 * {@code NO_GRPC}: garbage, a port scan, a failed TLS or HTTP/2 handshake, or an idle connection.
 * Both are logged through {@link RejectionLog}, one line each, rate-limited; gRPC's own per-connection
 * log lines (with stack traces) are for its logger at FINE/INFO, which the transport quiets.
 */
final class ConnectionLimiter implements ChannelFactory<ServerChannel> {

    private final NettyIo io;
    private final int maxConnections;
    private final int maxPerAddress;
    private final RejectionLog rejections;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<InetAddress, Integer> openPerAddress = new ConcurrentHashMap<>();
    /** Remote socket addresses (one per connection) on which a stream was opened. */
    private final Set<SocketAddress> carriedStreams = ConcurrentHashMap.newKeySet();

    ConnectionLimiter(NettyIo io, int maxConnections, int maxPerAddress, RejectionLog rejections) {
        this.io = io;
        this.maxConnections = maxConnections;
        this.maxPerAddress = maxPerAddress;
        this.rejections = rejections;
    }

    @Override
    public ServerChannel newChannel() {
        ServerChannel channel = io.newServerChannel();
        channel.pipeline().addFirst(new Admission());
        return channel;
    }

    /** Records that the connection from {@code remote} carried a stream, so it is no junk. */
    void streamOpened(SocketAddress remote) {
        if (remote != null) {
            carriedStreams.add(remote);
        }
    }

    /** Admits {@code child} if both bounds allow, counting it until it closes; else closes it. */
    private boolean admit(Channel child) {
        InetSocketAddress remote = (InetSocketAddress) child.remoteAddress();
        InetAddress host = remote.getAddress();
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            return refuse(child, remote, maxConnections + " connections open (" + GrpcTransportOptions.MAX_CONNECTIONS
                    + ")");
        }
        int fromHost = openPerAddress.merge(host, 1, Integer::sum);
        if (fromHost > maxPerAddress) {
            release(host);
            return refuse(child, remote, maxPerAddress + " connections open from that address ("
                    + GrpcTransportOptions.MAX_CONNECTIONS_PER_ADDRESS + ")");
        }
        child.closeFuture().addListener(closed -> {
            release(host);
            if (!carriedStreams.remove(remote)) {
                rejections.rejected(RejectReason.NO_GRPC, "connection from " + remote
                        + " closed without carrying a stream (garbage, a failed TLS or HTTP/2 handshake, or idle)");
            }
        });
        return true;
    }

    private boolean refuse(Channel child, InetSocketAddress remote, String why) {
        rejections.rejected(RejectReason.TOO_MANY_CONNECTIONS, "closed a connection from " + remote + ": " + why);
        child.unsafe().closeForcibly();
        return false;
    }

    private void release(InetAddress host) {
        open.decrementAndGet();
        openPerAddress.computeIfPresent(host, (h, count) -> count == 1 ? null : count - 1);
    }

    /**
     * First in the listening channel's pipeline, where accepted connections pass before they are
     * registered: passes on those the bounds admit and closes the others.
     */
    private final class Admission extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object accepted) {
            if (admit((Channel) accepted)) {
                ctx.fireChannelRead(accepted);
            }
        }
    }
}
