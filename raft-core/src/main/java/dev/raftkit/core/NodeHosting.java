package dev.raftkit.core;

import dev.raftkit.Config;
import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.TaskQueue;
import java.util.List;

/**
 * What a node takes from where it runs. A single node ({@link #ALONE}) owns a storage queue,
 * drains its own writes and ticks itself; a group of a host shares the host's storage writer and
 * its ticker ({@link CoreHost}). Everything else about the node is the same either way.
 */
interface NodeHosting {

    /** A single node: its own storage queue and timer. */
    NodeHosting ALONE = new NodeHosting() {
        @Override
        public String label(Config config) {
            return config.self().value();
        }

        @Override
        public TaskQueue storageQueue(RaftRuntime runtime, String label, List<TaskQueue> owned) {
            TaskQueue queue = runtime.newTaskQueue("raft-storage-" + label);
            owned.add(queue);
            return queue;
        }

        @Override
        public StorageWriter.Drains drains() {
            return StorageWriter.OWN_QUEUE;
        }

        @Override
        public TickSource ticks(long tickNanos) {
            return TickSource.ownTimer(tickNanos);
        }
    };

    /**
     * {@return how the node's logs and queue names call it: its id, and for a group also the group}
     *
     * @param config the node's configuration
     */
    String label(Config config);

    /**
     * Returns the node's storage queue.
     *
     * @param runtime the node's runtime
     * @param label the node's {@link #label}
     * @param owned the queues the node closes when it stops; a queue of its own is added here
     * @return the queue
     */
    TaskQueue storageQueue(RaftRuntime runtime, String label, List<TaskQueue> owned);

    /** {@return where the node's storage writer drains its backlog} */
    StorageWriter.Drains drains();

    /**
     * Returns the node's tick source.
     *
     * @param tickNanos the tick interval
     * @return the source
     */
    TickSource ticks(long tickNanos);
}
