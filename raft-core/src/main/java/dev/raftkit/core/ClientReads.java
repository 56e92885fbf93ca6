package dev.raftkit.core;

import dev.raftkit.RaftException;
import dev.raftkit.ReadPolicy;
import dev.raftkit.core.protocol.FollowerReadStart;
import dev.raftkit.core.protocol.LeaseGrant;
import dev.raftkit.core.protocol.RaftCore;
import dev.raftkit.core.protocol.ReadState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The linearizable reads clients submitted: asks the core for a read index for each, as its
 * {@link ReadPolicy} says (the leader's ReadIndex, the leader's answer to this follower, or the
 * leader's lease), hands the confirmed ones to the {@link Applier}, which runs them once that index
 * is applied, and fails those the core dropped because this node stopped leading or the leader did
 * not answer.
 *
 * <p>A {@code LEASE} read skips the driver while the lease the driver last published holds at the
 * caller's clock: it goes straight to the applier at the published index ({@link #publishLease}).
 *
 * <p>{@link #submit} runs on the caller's thread; everything else on the driver thread.
 */
final class ClientReads {

    private record PendingRead<T>(ReadPolicy policy, Supplier<? extends T> query, CompletableFuture<T> future) {
    }

    private final RaftCore core;
    private final Applier<?, ?> applier;
    private final LeaderErrors errors;
    private final DriverSteps steps;
    /** The runtime's monotonic clock, in nanoseconds, for lease reads. */
    private final LongSupplier clock;
    /** Reads submitted and not yet started; see {@link #submit}. */
    private final HandOffInbox<PendingRead<?>> inbox;
    /** The lease as the driver last published it, null if lease reads must ask the core; see {@link #publishLease}. */
    private volatile LeaseGrant lease;
    /** Driver thread only: reads waiting for the core to confirm their read index, by context: one or a group. */
    private final Map<Long, List<PendingRead<?>>> waiting = new HashMap<>();
    private long nextContext;

    ClientReads(RaftCore core, Applier<?, ?> applier, LeaderErrors errors, DriverSteps steps, LongSupplier clock) {
        this.core = core;
        this.applier = applier;
        this.errors = errors;
        this.steps = steps;
        this.clock = clock;
        this.inbox = new HandOffInbox<>(steps::run, this::startSubmitted);
    }

    /**
     * Takes a read, on the caller's thread. A lease read while the published lease holds goes to
     * the applier; other reads wait in an inbox that one driver step empties, so reads arriving
     * together cost one hand-off to the driver, not one each.
     */
    @SuppressWarnings("unchecked")
    <T> void submit(ReadPolicy policy, Supplier<? extends T> query, CompletableFuture<T> future) {
        if (policy == ReadPolicy.LEASE) {
            LeaseGrant grant = lease;
            // The clock is read after the grant: the lease must hold when the read is known to have begun.
            if (grant != null && grant.holds(clock.getAsLong())) {
                applier.submitRead(new Applier.WaitingRead(grant.readIndex(), query, (CompletableFuture<Object>) future));
                return;
            }
        }
        inbox.add(new PendingRead<>(policy, query, future));
    }

    /**
     * Publishes the core's read lease for {@link #submit}, on the driver thread after every step:
     * before the messages the step produced leave (so a lease that the step ended, by a transfer, a
     * change of voters or a step down, is withdrawn before any other node can act on it) and before
     * the entries it committed go to the applier (so every write acknowledged to a client has an
     * index at or below the published one). See {@link RaftCore#leaseGrant()}.
     */
    void publishLease() {
        lease = core.leaseGrant();
    }

    /** Withdraws the published lease, on the driver thread: the node stopped, so every read goes to the stopped driver. */
    void withdrawLease() {
        lease = null;
    }

    /**
     * Starts the reads taken from the inbox. The linearizable ones start together, as one read of
     * the core: they all arrived before it, so the commit index it takes and the round it waits for
     * serve every one of them (see {@link RaftCore#readIndex}), at one request's cost. Follower and
     * lease reads start one by one, as the core bounds and serves them per read.
     */
    private void startSubmitted(List<PendingRead<?>> reads) {
        long now = clock.getAsLong();
        List<PendingRead<?>> linearizable = new ArrayList<>(reads.size());
        for (PendingRead<?> read : reads) {
            switch (read.policy) {
                // LOCAL never comes here (RaftNode hands it to the applier); ReadIndex would serve it too.
                case LINEARIZABLE, LOCAL -> linearizable.add(read);
                case FOLLOWER -> startGroup(List.of(read), context -> followerRefusal(core.followerRead(context)));
                case LEASE -> startGroup(List.of(read),
                        context -> core.leaseRead(context, now) ? null : errors.notLeader());
            }
        }
        if (!linearizable.isEmpty()) {
            startGroup(linearizable, context -> core.readIndex(context) ? null : errors.notLeader());
        }
    }

    /** Starts {@code group} as one read of the core, which {@code ask} starts under a new context; or fails it. */
    private void startGroup(List<PendingRead<?>> group, LongFunction<RaftException> ask) {
        long context = ++nextContext;
        RaftException refused = ask.apply(context);
        if (refused == null) {
            waiting.put(context, group);
        } else {
            group.forEach(read -> read.future.completeExceptionally(refused));
        }
    }

    /** {@return the error for a follower read the core did not queue, or null if it did} */
    private RaftException followerRefusal(FollowerReadStart start) {
        return switch (start) {
            case QUEUED -> null;
            case NO_LEADER -> errors.notLeader();
            case BUSY -> errors.followerReadsBusy();
        };
    }

    /** Hands the reads whose index the core confirmed to the apply thread in one task. */
    @SuppressWarnings("unchecked")
    void start(List<ReadState> confirmed) {
        if (confirmed.isEmpty()) {
            return;
        }
        List<Applier.WaitingRead> reads = new ArrayList<>();
        for (ReadState read : confirmed) {
            List<PendingRead<?>> group = waiting.remove(read.context());
            if (group != null) {
                for (PendingRead<?> pending : group) {
                    reads.add(new Applier.WaitingRead(read.index(), pending.query,
                            (CompletableFuture<Object>) pending.future));
                }
            }
        }
        applier.read(reads);
    }

    /**
     * Fails the reads the core dropped: they waited on a leadership this node no longer holds, or
     * (follower reads) on a leader that did not answer in time or that this node no longer follows.
     */
    void failDropped() {
        for (long context : core.takeDroppedReads()) {
            List<PendingRead<?>> group = waiting.remove(context);
            if (group != null) {
                for (PendingRead<?> read : group) {
                    read.future.completeExceptionally(
                            read.policy == ReadPolicy.FOLLOWER ? errors.noReadIndex() : errors.notLeader());
                }
            }
        }
    }

}
