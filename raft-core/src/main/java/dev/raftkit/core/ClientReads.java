package dev.raftkit.core;

import dev.raftkit.core.protocol.RaftCore;
import dev.raftkit.core.protocol.ReadState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The linearizable reads clients submitted: asks the core for a read index for each, hands the
 * confirmed ones to the {@link Applier}, which runs them once that index is applied, and fails
 * those the core dropped because this node stopped leading.
 *
 * <p>{@link #submit} runs on the caller's thread; everything else on the driver thread.
 */
final class ClientReads {

    private record PendingRead<T>(Supplier<? extends T> query, CompletableFuture<T> future) {
    }

    private final RaftCore core;
    private final Applier<?, ?> applier;
    private final LeaderErrors errors;
    private final DriverSteps steps;
    /** Reads submitted and not yet started; see {@link #submit}. */
    private final ConcurrentLinkedQueue<PendingRead<?>> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean takeScheduled = new AtomicBoolean();
    /** Driver thread only: reads waiting for the core to confirm their read index, by context. */
    private final Map<Long, PendingRead<?>> waiting = new HashMap<>();
    private long nextContext;

    ClientReads(RaftCore core, Applier<?, ?> applier, LeaderErrors errors, DriverSteps steps) {
        this.core = core;
        this.applier = applier;
        this.errors = errors;
        this.steps = steps;
    }

    /**
     * Takes a read, on the caller's thread. Reads wait in an inbox that one driver step empties, so
     * reads arriving together cost one hand-off to the driver, not one each.
     */
    <T> void submit(Supplier<? extends T> query, CompletableFuture<T> future) {
        inbox.add(new PendingRead<>(query, future));
        if (takeScheduled.compareAndSet(false, true)) {
            steps.run(this::takeInbox);
        }
    }

    /** Starts every read in the inbox; a read submitted meanwhile schedules the next run. */
    private void takeInbox() {
        takeScheduled.set(false);
        for (PendingRead<?> read = inbox.poll(); read != null; read = inbox.poll()) {
            long context = ++nextContext;
            if (core.readIndex(context)) {
                waiting.put(context, read);
            } else {
                read.future.completeExceptionally(errors.notLeader());
            }
        }
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

    /** Fails the reads the core dropped: they waited on a leadership this node no longer holds. */
    void failDropped() {
        for (long context : core.takeDroppedReads()) {
            PendingRead<?> read = waiting.remove(context);
            if (read != null) {
                read.future.completeExceptionally(errors.notLeader());
            }
        }
    }
}
