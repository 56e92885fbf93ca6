package dev.raftkit.grpc;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes daemon threads named {@code raftkit-grpc-<node>-<role>-<n>}, so a thread dump shows which
 * node and which part of the transport each belongs to, and no transport thread keeps a JVM alive.
 */
final class NamedThreadFactory implements ThreadFactory {

    private final String prefix;
    private final AtomicInteger next = new AtomicInteger();

    /** Creates the factory for threads of {@code node} doing {@code role}. */
    NamedThreadFactory(String node, String role) {
        this.prefix = "raftkit-grpc-" + node + "-" + role + "-";
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, prefix + next.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }
}
