package dev.raftkit.core;

import dev.raftkit.Address;
import dev.raftkit.BusyException;
import dev.raftkit.Config;
import dev.raftkit.DriverDeadException;
import dev.raftkit.FatalException;
import dev.raftkit.Membership;
import dev.raftkit.NodeId;
import dev.raftkit.RaftException;
import dev.raftkit.ReadPolicy;
import dev.raftkit.Role;
import dev.raftkit.core.protocol.Proposal;
import dev.raftkit.core.protocol.RaftCore;
import dev.raftkit.core.protocol.Ready;
import dev.raftkit.core.protocol.StorageFault;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.TaskQueue;
import dev.raftkit.spi.Transport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one node's {@link RaftCore} on a single task queue, the driver thread, in a loop: take an
 * input (a tick, a message from a peer, a client call, a report of the storage or apply thread),
 * step the core with it, and carry out the {@link Ready} the core produced: publish the new state
 * ({@link PeerView}), send messages ({@link Outbox}), persist on the storage thread
 * ({@link StorageWriter}, so the leader's fsync overlaps replication; a follower's acknowledgement
 * is persisted inline when that thread is idle), hand committed entries and
 * confirmed reads to the {@link Applier}. Client calls are kept by {@link ClientWrites},
 * {@link ClientReads}, {@link LeadershipTransfer} and {@link MembershipChanges}.
 *
 * <p>It is the transport's {@link MessageHandler}. The {@code submit*}, {@code onMessage*},
 * {@link #stop}, {@link #died} and {@link #view()} methods may be called on any thread; everything
 * else runs on the driver thread. If a driver task throws, the node stops: with
 * {@link FatalException} for a storage fault, with {@link DriverDeadException} for anything else,
 * as it does when the storage or apply thread dies.
 *
 * @param <C> the command type (of the applier's state machine)
 * @param <R> the response type
 */
final class Driver<C, R> implements MessageHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Driver.class);
    /** Byte budget of committed entries handed to the applier per ready. */
    private static final long MAX_APPLY_BYTES = 4L << 20;

    private final Config config;
    private final String nodeId;
    private final RaftCore core;
    private final DriverQueue queue;
    private final Outstanding outstanding;
    private final EngineMetrics metrics;
    private final TickSource ticks;
    /** The tick, a driver task; the tick source queues it once per tick. */
    private final Runnable tick;
    private final Applier<C, R> applier;
    private final Outbox outbox;
    private final StorageWriter storage;
    private final PeerView peers;
    private final LeaderErrors errors;
    private final ClientWrites<R> writes;
    private final ClientReads reads;
    private final LeadershipTransfer transfer;
    private final MembershipChanges membershipChanges;
    /** The runtime's monotonic clock, in nanoseconds: the send time of the heartbeat rounds a ready carries. */
    private final LongSupplier clock;
    private boolean flushScheduled;
    private boolean stopped;
    /** The core's {@code quiescent()} as last told to the tick source; read by {@link #wakeFor} on any thread. */
    private volatile boolean quiescent;

    /**
     * @param label how the node's logs and errors name it ({@link NodeHosting#label})
     * @param storageQueue the storage thread; see {@link StorageWriter}
     * @param drains where the storage writer's drains run
     * @param ticks where the ticks come from
     * @param clock the runtime's monotonic clock, in nanoseconds
     * @param newApplier creates the node's applier, which reports to the listener it is given
     */
    Driver(Config config, String label, RaftCore core, LogStore store, Transport transport, DriverQueue queue, TaskQueue storageQueue,
            StorageWriter.Drains drains, TickSource ticks, Notifier notifier, Outstanding outstanding,
            EngineMetrics metrics, LongSupplier clock, Function<Applier.Listener, Applier<C, R>> newApplier) {
        this.config = config;
        this.nodeId = label;
        this.core = core;
        this.queue = queue;
        this.outstanding = outstanding;
        this.metrics = metrics;
        this.ticks = ticks;
        this.applier = newApplier.apply(new ApplierReports());
        this.outbox = new Outbox(nodeId, transport);
        this.storage = new StorageWriter(nodeId, store, storageQueue, drains, queue::mayBlock, outbox, metrics,
                applier.snapshotCommitLock(), clock, new StorageReports());
        this.peers = new PeerView(config.self(), label, core, transport, notifier);
        this.errors = new LeaderErrors(config.self(), label, core, peers::addressOf);
        DriverSteps steps = new Steps();
        this.writes = new ClientWrites<>(config, core, applier, errors, steps, this::propose, storage::appendsInFlight);
        this.reads = new ClientReads(core, applier, errors, steps, clock);
        this.clock = clock;
        this.transfer = new LeadershipTransfer(label, core, errors);
        this.membershipChanges = new MembershipChanges(core, errors::notLeader,
                () -> errors.lostLeadership("the configuration change"), 100L * config.electionTimeoutTicksMax());
        this.tick = task(() -> {
            core.tick();
            membershipChanges.tick();
            if (!core.quiescent()) {
                metrics.sampleReplication(core);
            }
            ticks.ticked();
        });
    }

    /** Returns the node's applier, created with the driver. */
    Applier<C, R> applier() {
        return applier;
    }

    /** Starts ticking; called once, after the transport started. */
    void start() {
        queue.execute(task(() -> ticks.start(queue, tick)));
    }

    /** Returns the latest published view of the core. */
    CoreView view() {
        return peers.view();
    }

    // ---------------------------------------------------------------- entry points (any thread)

    /** Submits encoded commands as one contiguous run, answered through {@code write}. */
    void submitWrite(List<byte[]> payloads, PendingWrite<R> write) {
        writes.submit(payloads, write);
    }

    /** Submits a linearizable read made consistent as {@code policy} says; see {@link ClientReads#submit}. */
    <T> void submitRead(ReadPolicy policy, Supplier<? extends T> query, CompletableFuture<T> future) {
        reads.submit(policy, query, future);
    }

    /** Submits a configuration change, answered once it has committed. */
    void submitMembershipChange(MembershipChanges.Kind kind, NodeId id, Address address,
            CompletableFuture<Membership> future) {
        queue.execute(task(() -> membershipChanges.submit(kind, id, address, future)));
    }

    /** Submits a leadership transfer; see {@link LeadershipTransfer#submit}. */
    void submitTransfer(NodeId target, CompletableFuture<Void> future) {
        queue.execute(task(() -> transfer.submit(target, future)));
    }

    /**
     * Stops the node with {@link DriverDeadException} because another of its threads died.
     *
     * @param thread which thread, for the message
     * @param cause what killed it
     */
    void died(String thread, Throwable cause) {
        queue.execute(() -> fail(new DriverDeadException("[" + nodeId + "] " + thread + " thread died: " + cause,
                cause)));
    }

    /**
     * Wakes the core if it is quiesced and {@code change} concerns it ({@link PeerHostChange#wakes}).
     * A follower or learner whose leader's host went silent lost its leader
     * ({@link RaftCore#wakeLeaderLost}: the host's liveness found nothing came from there for twice
     * {@code electionTimeoutMin}); one whose leader's host restarted just wakes, since the old
     * process may have been heard a moment ago. Any thread; judges the published view first, so it
     * queues a driver task only for a quiesced core the change concerns.
     *
     * @param change the peer host that went down or restarted
     * @param groupHash the same number on every member of the group, for {@link RaftCore#wakeLeaderLost}
     */
    void wakeFor(PeerHostChange change, int groupHash) {
        if (quiescent && change.wakes(view(), config.self())) {
            queue.execute(task(() -> {
                if (core.quiescent() && change.wakes(view(), config.self())) {
                    LOG.debug("[{}] term {}: waking: the peer host {} {}", nodeId, core.term(), change.host(),
                            change.restarted() ? "restarted" : "stopped answering");
                    if (core.role() == Role.LEADER || change.restarted()) {
                        core.wake();
                    } else {
                        core.wakeLeaderLost(groupHash);
                    }
                }
            }));
        }
    }

    /** Queues an inbound message from a peer for the core. */
    @Override
    public void onMessage(RaftMessage message) {
        if (addressedHere(message)) {
            queue.deliver(task(() -> core.step(message)));
        }
    }

    /** Queues a message from a sender outside the configuration; see {@link PeerView#hearStranger}. */
    @Override
    public void onMessageFromUnknownSender(RaftMessage message, Address senderAddress) {
        if (addressedHere(message)) {
            queue.execute(task(() -> {
                if (peers.hearStranger(message, senderAddress)) {
                    core.step(message);
                }
            }));
        }
    }

    private boolean addressedHere(RaftMessage message) {
        if (message.to().equals(config.self())) {
            return true;
        }
        LOG.debug("[{}] dropping a message addressed to {}", nodeId, message.to());
        return false;
    }

    /**
     * Stops the node: no more ticks or steps; the transport closes at once, the store after
     * persists already queued. Runs {@code whenStopped} afterwards, on the storage queue.
     */
    void stop(Runnable whenStopped) {
        queue.execute(() -> halt(whenStopped));
    }

    // ---------------------------------------------------------------- driver thread

    private void halt(Runnable whenStopped) {
        if (stopped) {
            whenStopped.run();
            return;
        }
        stopped = true;
        ticks.stop();
        reads.withdrawLease();
        writes.stopBatchTimer();
        core.releaseSnapshots();
        // Closing the transport waits for its threads, so never on one of them (SharedDriverQueue).
        queue.runBlocking(() -> {
            outbox.close();
            storage.close(whenStopped);
        });
    }

    /**
     * Stops the node after a fault: fails everything, closes transport and store. On the driver
     * thread, so what had been proposed is known exactly: that may have committed, the rest not.
     */
    private void fail(RaftException failure) {
        if (stopped) {
            return;
        }
        membershipChanges.stop(failure);
        if (outstanding.stop(failure)) {
            LOG.error("[{}] term {}: node stopped: {}", nodeId, core.term(), failure.getMessage(), failure.getCause());
        }
        halt(() -> {
        });
    }

    /** Wraps driver work that steps the core: skipped once stopped, followed by a flush. */
    private Runnable task(Runnable body) {
        return guarded(() -> {
            body.run();
            scheduleFlush();
        });
    }

    /** Wraps driver work: skipped once stopped, and stopping the node if it throws. */
    private Runnable guarded(Runnable body) {
        return () -> {
            if (stopped) {
                return;
            }
            try {
                body.run();
            } catch (StorageFault e) {
                fail(new FatalException("[" + nodeId + "] log store failed: " + e.getMessage(), e.getCause()));
            } catch (Throwable t) {
                fail(new DriverDeadException("[" + nodeId + "] driver died: " + t, t));
            }
        };
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            queue.execute(guarded(this::flush));
        }
    }

    /** Proposes {@code payloads} as one run; see {@link ClientWrites.Proposer}. */
    private void propose(List<byte[]> payloads, List<PendingWrite<R>> proposed) {
        List<EntryKind> kinds = new ArrayList<>(payloads.size());
        for (PendingWrite<R> write : proposed) {
            kinds.addAll(Collections.nCopies(write.count(), write.kind()));
        }
        Proposal proposal = core.propose(payloads, kinds);
        metrics.proposed(payloads.size());
        if (proposal instanceof Proposal.Appended appended) {
            writes.appended(proposed, appended.firstIndex(), core.term());
        } else {
            RaftException error = rejection((Proposal.Refused) proposal);
            proposed.forEach(w -> w.fail(error));
        }
    }

    /** The error for a proposal the core refused for {@code reason}. */
    private RaftException rejection(Proposal.Refused reason) {
        if (reason == Proposal.Refused.TRANSFERRING_LEADERSHIP) {
            return new BusyException("[" + nodeId + "] handing leadership to "
                    + core.transferTarget().map(NodeId::value).orElse("another node") + "; retry shortly");
        }
        return errors.notLeader();
    }

    /** Carries out what the core produced, and tells the tick source whether the core is quiescent. */
    private void flush() {
        flushScheduled = false;
        boolean nowQuiescent = core.quiescent();
        if (nowQuiescent != quiescent) {
            quiescent = nowQuiescent;
            ticks.quiescent(nowQuiescent);
        }
        reads.failDropped();
        writes.failIfLeadershipLost();
        membershipChanges.progress();
        transfer.progress();
        if (core.hasReady()) {
            Ready ready = core.ready(MAX_APPLY_BYTES, clock.getAsLong());
            // Published before any message tells another node of this state: a node that learns
            // that this one leads finds role() here saying so too. The lease, also before the
            // committed entries go to the applier: see ClientReads.publishLease.
            peers.publish();
            reads.publishLease();
            ready.messages().forEach(outbox::send);
            if (ready.needsPersistStep()) {
                storage.submit(ready);
            }
            writes.handOver(ready.committed());
            reads.start(ready.reads());
            if (core.hasReady()) {
                scheduleFlush();
            }
        } else {
            peers.publish();
            reads.publishLease();
        }
    }

    /** Queues the helpers' work as steps of the core. */
    private final class Steps implements DriverSteps {
        @Override
        public void run(Runnable step) {
            queue.execute(task(step));
        }

        @Override
        public TaskQueue.Cancellable after(long delayNanos, Runnable step) {
            return queue.schedule(task(step), delayNanos);
        }
    }

    /** What the storage thread reports, queued for the driver thread. */
    private final class StorageReports implements StorageWriter.Listener {
        @Override
        public void persisted(LogEntry last, int readies) {
            queue.execute(task(() -> {
                storage.acknowledge(readies);
                core.onPersisted(last.index(), last.term());
                writes.appendDurable();
            }));
        }

        @Override
        public void snapshotReceived(SnapshotMeta meta, boolean installed) {
            queue.execute(task(() -> {
                if (installed) {
                    core.onSnapshotInstalled(meta);
                    applier.restore(meta);
                } else {
                    core.onSnapshotRejected(meta);
                }
            }));
        }

        @Override
        public void failed(FatalException failure) {
            queue.execute(() -> fail(failure));
        }

        @Override
        public void died(Throwable cause) {
            Driver.this.died("storage", cause);
        }
    }

    /** What the apply thread reports, queued for the driver thread. */
    private final class ApplierReports implements Applier.Listener {
        @Override
        public void snapshotTaken(SnapshotMeta meta) {
            queue.execute(task(() -> core.onSnapshotTaken(meta)));
        }

        @Override
        public void failed(Throwable failure) {
            queue.execute(() -> fail(new FatalException("[" + nodeId + "] " + failure.getMessage(), failure)));
        }

        @Override
        public void died(Throwable cause) {
            Driver.this.died("apply", cause);
        }
    }
}
