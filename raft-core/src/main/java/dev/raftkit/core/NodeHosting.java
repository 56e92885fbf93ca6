package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.Config;
import dev.raftkit.GroupId;
import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.TaskQueue;
import java.util.List;
import java.util.Optional;

/**
 * What a node takes from where it runs. A single node ({@link #ALONE}) owns a storage queue,
 * drains its own writes, commits its snapshots and ticks itself; a group of a host shares the
 * host's storage writer, snapshot thread and ticker ({@link CoreHost}). Everything else about the node is the same either way.
 */
interface NodeHosting {

    /** A single node: its own storage queue and timer. */
    NodeHosting ALONE = new NodeHosting() {
        @Override
        public Optional<GroupId> group() {
            return Optional.empty();
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

    /** {@return the group the node is a member of on a host; empty for a single node} */
    Optional<GroupId> group();

    /**
     * {@return whether the node quiesces when idle: only a group of a host that opted in, since only
     * a host watches its peers' liveness ({@link HostLiveness})}
     */
    default boolean quiesce() {
        return false;
    }

    /** {@return where the node hands a host's liveness heartbeats: the host's {@link HostLiveness}; nowhere for a single node} */
    default LivenessFilter.Sink liveness() {
        return new LivenessFilter.Sink() {
            @Override
            public void heard(Address host, long incarnation) {
            }

            @Override
            public void traffic(Address host) {
            }
        };
    }

    /**
     * Returns how the node's logs, error messages and queue names call it: {@code group/member} on
     * a host, the member id alone for a single node. Every part of the node prints this label, so
     * the lines of one group can be told from another's with the same member id.
     *
     * @param config the node's configuration
     * @return the label
     */
    default String label(Config config) {
        return group().map(g -> g + "/" + config.self()).orElse(config.self().value());
    }

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
     * Returns where the node's written snapshots are made durable ({@link SnapshotCommit}): its own
     * apply queue for a single node, whose apply thread drives nothing else, and the host's snapshot
     * thread for a group, whose apply queue runs on the pool that drives every group.
     *
     * @param applyQueue the node's apply queue
     * @return the queue
     */
    default TaskQueue snapshotCommitQueue(TaskQueue applyQueue) {
        return applyQueue;
    }

    /**
     * Returns the node's tick source.
     *
     * @param tickNanos the tick interval
     * @return the source
     */
    TickSource ticks(long tickNanos);
}
