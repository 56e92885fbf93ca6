package dev.raftkit.core;

import dev.raftkit.Config;
import dev.raftkit.RaftException;
import dev.raftkit.Role;
import dev.raftkit.core.protocol.RaftCore;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.TaskQueue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * The writes clients submitted: batches them while an append is being made durable, has them
 * proposed, keeps the accepted ones until their entries commit, then hands them to the
 * {@link Applier} with those entries; fails them when this node loses the leadership they were
 * appended under.
 *
 * <p>{@link #submit} runs on the caller's thread; everything else on the driver thread.
 *
 * @param <R> the response type
 */
final class ClientWrites<R> {

    /** Appends commands to the log as one run and answers their writes; the driver's. */
    @FunctionalInterface
    interface Proposer<R> {
        /**
         * Proposes {@code payloads}: accepted writes go to {@link ClientWrites#appended}, refused ones fail.
         *
         * @param writes the writes of the payloads, in order
         */
        void propose(List<byte[]> payloads, List<PendingWrite<R>> writes);
    }

    /** A write submitted or held for batching, and its encoded commands. */
    private record Held<R>(List<byte[]> payloads, PendingWrite<R> write) {
    }

    private final Config config;
    private final RaftCore core;
    private final Applier<?, R> applier;
    private final LeaderErrors errors;
    private final DriverSteps steps;
    private final Proposer<R> proposer;
    private final IntSupplier appendsInFlight;
    private final long batchDelayNanos;

    /** Writes submitted and not yet taken up; see {@link #submit}. */
    private final HandOffInbox<Held<R>> inbox;
    /** Writes proposed but not yet handed to the applier, in index order. */
    private final ArrayDeque<PendingWrite<R>> pending = new ArrayDeque<>();
    /** Writes held for batching, with their payloads, in submission order. */
    private final List<Held<R>> batch = new ArrayList<>();
    /** How many entries the held writes make. */
    private int batchEntries;
    private TaskQueue.Cancellable batchTimer;

    /**
     * @param appendsInFlight how many appends are being made durable now
     */
    ClientWrites(Config config, RaftCore core, Applier<?, R> applier, LeaderErrors errors, DriverSteps steps,
            Proposer<R> proposer, IntSupplier appendsInFlight) {
        this.config = config;
        this.core = core;
        this.applier = applier;
        this.errors = errors;
        this.steps = steps;
        this.proposer = proposer;
        this.appendsInFlight = appendsInFlight;
        this.batchDelayNanos = config.maxBatchDelayTicks() * config.tickInterval().toNanos();
        this.inbox = new HandOffInbox<>(steps::run, this::takeSubmitted);
    }

    /**
     * Takes a write of encoded commands, which are appended as one contiguous run, on the caller's
     * thread: writes wait in an inbox that one driver step empties, in order, so writes arriving
     * together cost one hand-off to the driver, not one each.
     */
    void submit(List<byte[]> payloads, PendingWrite<R> write) {
        inbox.add(new Held<>(payloads, write));
    }

    private void takeSubmitted(List<Held<R>> submitted) {
        for (Held<R> held : submitted) {
            take(held);
        }
    }

    /**
     * Takes up a submitted write. A write is taken up for proposing
     * ({@link PendingWrite#claimForProposal}) only when it goes to the core: one that the node's
     * stop failed before that is dropped, never appended.
     */
    private void take(Held<R> held) {
        List<byte[]> payloads = held.payloads();
        PendingWrite<R> write = held.write();
        if (config.maxBatchDelayTicks() == 0) {
            if (write.claimForProposal()) {
                proposer.propose(payloads, List.of(write));
            }
            return;
        }
        batch.add(held);
        batchEntries += payloads.size();
        // Writes wait only while an append is being made durable: the first write after an idle
        // spell goes at once, later ones share the next append when the current one lands, the
        // batch fills, or the delay ends, whichever comes first.
        if (batchEntries >= config.maxBatchEntries() || appendsInFlight.getAsInt() == 0) {
            flushBatch();
        } else if (batchTimer == null) {
            batchTimer = steps.after(batchDelayNanos, this::flushBatch);
        }
    }

    /** An append became durable: writes held for batching go now if no other append is in flight. */
    void appendDurable() {
        if (appendsInFlight.getAsInt() == 0 && !batch.isEmpty()) {
            flushBatch();
        }
    }

    private void flushBatch() {
        stopBatchTimer();
        List<byte[]> payloads = new ArrayList<>(batchEntries);
        List<PendingWrite<R>> writes = new ArrayList<>(batch.size());
        for (Held<R> held : batch) {
            if (held.write().claimForProposal()) {
                payloads.addAll(held.payloads());
                writes.add(held.write());
            }
        }
        batch.clear();
        batchEntries = 0;
        if (!writes.isEmpty()) {
            proposer.propose(payloads, writes);
        }
    }

    /**
     * The leader appended {@code writes}' commands in {@code term}, in order, from {@code firstIndex}:
     * they wait for their entries to commit.
     */
    void appended(List<PendingWrite<R>> writes, long firstIndex, long term) {
        long next = firstIndex;
        for (PendingWrite<R> write : writes) {
            write.firstIndex = next;
            write.term = term;
            next += write.count();
            pending.add(write);
        }
    }

    /** Hands committed entries to the applier with the writes whose first entry is among them or before. */
    void handOver(List<LogEntry> committed) {
        if (committed.isEmpty()) {
            return;
        }
        long last = committed.get(committed.size() - 1).index();
        List<PendingWrite<R>> writes = new ArrayList<>(Math.min(pending.size(), committed.size()));
        while (!pending.isEmpty() && pending.peekFirst().firstIndex <= last) {
            writes.add(pending.pollFirst());
        }
        applier.apply(committed, writes);
    }

    /**
     * Fails the waiting writes if this node no longer leads in the term they were appended in: they
     * were accepted, so they may still commit (one error shared by all: they have the same outcome).
     */
    void failIfLeadershipLost() {
        if (!pending.isEmpty() && (core.role() != Role.LEADER || core.term() != pending.peekFirst().term)) {
            RaftException error = errors.lostLeadership("the write");
            pending.forEach(w -> w.fail(error));
            pending.clear();
        }
    }

    /** Stops the batch timer: the node stops. */
    void stopBatchTimer() {
        if (batchTimer != null) {
            batchTimer.cancel();
            batchTimer = null;
        }
    }
}
