package dev.raftkit;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Many Raft groups in one process. A host owns one listening address with one connection per peer
 * host, one log store (one durable sync covers every group's pending appends) and one fixed pool of
 * threads; each group it runs is a {@link Node} that behaves exactly as a single node does (write
 * contract, errors, reads, sessions, membership). Obtained from {@link Raft#host(HostConfig)}.
 *
 * <pre>{@code
 * RaftHost host = Raft.host(HostConfig.builder(Address.parse("10.0.0.1:7000")).dataDir(dir).build()).start();
 * Node<Cmd, Long> orders = host.<Cmd, Long>group(GroupId.of("orders-7"), groupConfig)
 *         .stateMachine(new Orders()).codec(Cmd.CODEC).start();
 * }</pre>
 *
 * <p>A restarted host starts no group by itself: the application starts each group again, and the
 * group recovers from its data. Methods may be called from any thread.
 */
public interface RaftHost extends AutoCloseable {

    /** {@return where this host's transport listens: {@link HostConfig#address()}} */
    Address address();

    /**
     * Starts building one group on this host, new or restarted from its data. The group's
     * {@code groupConfig} names this host's member id in the group ({@link Config#self()}, whose
     * address must be this host's) and the members' host addresses; member ids may differ between
     * groups. Ticks, data directory, providers, options and cluster id come from the host.
     *
     * @param id the group
     * @param groupConfig the group's settings
     * @param <C> the command type (fixed by {@link GroupBuilder#stateMachine})
     * @param <R> the response type (fixed by {@link GroupBuilder#stateMachine})
     * @return the builder; its {@code start()} starts the group
     * @throws IllegalArgumentException if {@code groupConfig} sets {@code tickInterval},
     *     {@code dataDir}, {@code logStore}, {@code transport}, an {@code option} or
     *     {@code clusterId} (see {@link Config#explicitlySet()}), or its own address is not this host's
     * @throws IllegalStateException if the group already runs here, or the host is closed
     */
    <C, R> GroupBuilder<C, R> group(GroupId id, Config groupConfig);

    /**
     * Looks up a running group.
     *
     * @param id the group
     * @return its node, or empty if the group does not run here
     */
    Optional<Node<?, ?>> node(GroupId id);

    /** {@return the groups running on this host} */
    Set<GroupId> groups();

    /**
     * Stops one group on this host. With {@code deleteData}, also removes its log and snapshots
     * from this host's store, leaving other groups' data untouched. Deleting the data of a voter
     * throws its log away: remove the member through membership first, or acknowledged writes can
     * be lost.
     *
     * @param id the group; an unknown group completes normally
     * @param deleteData whether to delete the group's data
     * @return completes once the group stopped (and its data is gone)
     */
    CompletableFuture<Void> stopGroup(GroupId id, boolean deleteData);

    /**
     * Hands leadership of some of this host's groups to other hosts, so that leaders (and the
     * writes they take) spread over the hosts. Leaders are counted per host address (the address of
     * a group's leader in its configuration); when this host leads more than its fair share,
     * {@code ceil(groups it runs / distinct host addresses among those groups' voters)}, it transfers
     * each excess group's leadership to a voter on the host that leads the fewest, at most one
     * transfer per group, each bounded like {@link Node#transferLeadership}. A group whose transfer
     * fails keeps its leader. Calling it on every host, one after another, converges to about
     * {@code groups / hosts} leaders per host; call it again after hosts restart or join.
     *
     * <p>The default completes exceptionally with {@link UnsupportedOperationException}, for hosts
     * of engines that do not balance leaders; the engine in {@code raft-core} does.
     *
     * @return completes with the number of transfers that succeeded (0 when this host leads no more
     *     than its share); completes exceptionally with {@link IllegalStateException} if the host is closed
     */
    default CompletableFuture<Integer> rebalanceLeaders() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(getClass().getName()
                + " does not balance leaders; use the engine of raft-core"));
    }

    /** Stops every group, then the shared transport, store and threads. Idempotent. */
    @Override
    void close();

    /**
     * Collects what one group is made of, then {@link #start()}s it; the counterpart of
     * {@link Raft.Builder} for a group of a host. Not thread-safe; use once.
     *
     * @param <C> the command type
     * @param <R> the response type
     */
    interface GroupBuilder<C, R> {

        /**
         * Sets the state machine (required) and fixes the builder's command and response types, as
         * {@link Raft.Builder#stateMachine} does.
         *
         * @param stateMachine the user's state machine
         * @param <C2> its command type
         * @param <R2> its response type
         * @return this builder, retyped
         */
        <C2 extends C, R2> GroupBuilder<C2, R2> stateMachine(StateMachine<C2, R2> stateMachine);

        /**
         * Sets the command codec (required).
         *
         * @param codec encodes commands to the log's bytes and back
         * @return this builder
         */
        GroupBuilder<C, R> codec(Codec<C> codec);

        /**
         * Sets the response codec, which {@linkplain Node#openSession() sessions} need.
         *
         * @param responseCodec encodes responses to bytes and back
         * @return this builder
         */
        GroupBuilder<C, R> responseCodec(Codec<R> responseCodec);

        /**
         * Registers a listener before the group starts, so it hears the very first role change.
         *
         * @param listener the listener
         * @return this builder
         */
        GroupBuilder<C, R> listener(NodeListener listener);

        /**
         * Starts the group: recovers it from the host's store and joins the host's transport.
         * Returns without waiting for an election.
         *
         * @return the group's node
         * @throws IllegalStateException if the state machine or codec is missing, the group already
         *     runs here, or the host is closed
         */
        Node<C, R> start();
    }
}
