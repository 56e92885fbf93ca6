package dev.raftkit.grpc;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;

/**
 * How an endpoint's event loops do their I/O: Netty's native epoll where the platform has it
 * (Linux on x86_64 or aarch64, with the library loadable) and {@code grpc.epoll} allows, else the
 * JDK's NIO. Epoll makes fewer system calls per message: a wake-up from another thread costs one
 * write and one read, where NIO's selector adds a second wake-up of its own and two more calls.
 */
enum NettyIo {
    /** Netty's native epoll transport. */
    EPOLL {
        @Override
        IoHandlerFactory handlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends Channel> clientChannelType() {
            return EpollSocketChannel.class;
        }

        @Override
        ServerChannel newServerChannel() {
            return new EpollServerSocketChannel();
        }
    },
    /** The JDK's NIO selector, on every platform. */
    NIO {
        @Override
        IoHandlerFactory handlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        Class<? extends Channel> clientChannelType() {
            return NioSocketChannel.class;
        }

        @Override
        ServerChannel newServerChannel() {
            return new NioServerSocketChannel();
        }
    };

    /** {@return epoll if {@code epollAllowed} and the platform has it, else NIO} */
    static NettyIo choose(boolean epollAllowed) {
        return epollAllowed && Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** {@return the factory of the event loops' I/O handlers} */
    abstract IoHandlerFactory handlerFactory();

    /** {@return the class of outbound connections} */
    abstract Class<? extends Channel> clientChannelType();

    /** {@return a new listening channel} */
    abstract ServerChannel newServerChannel();

    /** {@return "epoll" or "nio", as the logs name it} */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
