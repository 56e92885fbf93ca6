package dev.raftkit.core;

import dev.raftkit.RaftException;
import dev.raftkit.ReadPolicy;
import dev.raftkit.core.protocol.FollowerReadStart;
import dev.raftkit.core.protocol.RaftCore;
import dev.raftkit.core.protocol.ReadState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The linearizable reads clients submitted: asks the core for a read index for each, as its
 * {@link ReadPolicy} says (the leader's ReadIndex, the leader's answer to this follower, or the
 * leader's lease), hands the confirmed ones to the {@link Applier}, which runs them once that index
 * is applied, and fails those the core dropped because this node stopped leading or the leader did
 * not answer.
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
    private final ConcurrentLinkedQueue<PendingRead<?>> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean takeScheduled = new AtomicBoolean();
    /** Driver thread only: reads waiting for the core to confirm their read index, by context. */
    private final Map<Long, PendingRead<?>> waiting = new HashMap<>();
    private long nextContext;

    ClientReads(RaftCore core, Applier<?, ?> applier, LeaderErrors errors, DriverSteps steps, LongSupplier clock) {
        this.core = core;
        this.applier = applier;
        this.errors = errors;
        this.steps = steps;
        this.clock = clock;
    }

    /**
     * Takes a read, on the caller's thread. Reads wait in an inbox that one driver step empties, so
     * reads arriving together cost one hand-off to the driver, not one each.
     */
    <T> void submit(ReadPolicy policy, Supplier<? extends T> query, CompletableFuture<T> future) {
        inbox.add(new PendingRead<>(policy, query, future));
        if (takeScheduled.compareAndSet(false, true)) {
            steps.run(this::takeInbox);
        }
    }

    /** Starts every read in the inbox; a read submitted meanwhile schedules the next run. */
    private void takeInbox() {
        takeScheduled.set(false);
        long now = clock.getAsLong();
        for (PendingRead<?> read = inbox.poll(); read != null; read = inbox.poll()) {
            long context = ++nextContext;
            RaftException refused = switch (read.policy) {
                case FOLLOWER -> followerRefusal(core.followerRead(context));
                case LEASE -> core.leaseRead(context, now) ? null : errors.notLeader();
                // LOCAL never comes here (RaftNode hands it to the applier); ReadIndex would serve it too.
                case LINEARIZABLE, LOCAL -> core.readIndex(context) ? null : errors.notLeader();
            };
            if (refused == null) {
                waiting.put(context, read);
            } else {
                read.future.completeExceptionally(refused);
            }
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
        List<Applier.WaitingRead> reads = new ArrayList<>(confirmed.size());
        for (ReadState read : confirmed) {
            PendingRead<Object> pending = (PendingRead<Object>) waiting.remove(read.context());
            if (pending != null) {
                reads.add(new Applier.WaitingRead(read.index(), pending.query, pending.future));
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
            PendingRead<?> read = waiting.remove(context);
            if (read != null) {
                read.future.completeExceptionally(
                        read.policy == ReadPolicy.FOLLOWER ? errors.noReadIndex() : errors.notLeader());
            }
        }
    }

}
