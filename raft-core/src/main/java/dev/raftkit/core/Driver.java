package dev.raftkit.core;

import dev.raftkit.Config;
import dev.raftkit.BusyException;
import dev.raftkit.DriverDeadException;
import dev.raftkit.FatalException;
import dev.raftkit.NoLeaderException;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.RaftException;
import dev.raftkit.Role;
import dev.raftkit.core.protocol.Proposal;
import dev.raftkit.core.protocol.RaftCore;
import dev.raftkit.core.protocol.ReadState;
import dev.raftkit.core.protocol.Ready;
import dev.raftkit.core.protocol.SnapshotChunk;
import dev.raftkit.core.protocol.StorageFault;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.HardState;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.LogStore;
import dev.raftkit.spi.MessageHandler;
import dev.raftkit.spi.RaftMessage;
import dev.raftkit.spi.SnapshotMeta;
import dev.raftkit.spi.TaskQueue;
import dev.raftkit.spi.Transport;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one node's {@link RaftCore} on a single task queue: steps it with ticks, inbound messages
 * and client calls, and carries out each {@link Ready}: sends, persists (on a separate storage
 * queue, so the leader's fsync overlaps replication), and hands committed entries to the
 * {@link Applier}.
 *
 * <p>It is the transport's {@link MessageHandler}: messages from peers are stepped; leader traffic
 * from a sender outside the configuration is heard as a {@link StrangerLeader}.
 *
 * <p>Everything but the {@code submit*}, {@code onMessage*}, {@link #died} and {@link #view()}
 * methods runs on the driver's queue. If a driver task throws, the node stops: with
 * {@link FatalException} for a storage fault, with {@link DriverDeadException} for anything else,
 * as it does when the storage or apply thread dies.
 *
 * @param <R> the response type
 */
final class Driver<R> implements MessageHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Driver.class);
    /** Byte budget of committed entries handed to the applier per ready. */
    private static final long MAX_APPLY_BYTES = 4L << 20;

    private record PendingRead<T>(Supplier<? extends T> query, CompletableFuture<T> future) {
    }

    /** Writes buffered while batching is on, with their payloads. */
    private record BufferedWrite<R>(List<byte[]> payloads, PendingWrite<R> write) {
    }

    private final Config config;
    private final String nodeId;
    private final RaftCore core;
    private final LogStore store;
    private final Transport transport;
    private final TaskQueue queue;
    private final TaskQueue storageQueue;
    private final Applier<?, R> applier;
    /** Storage thread only: writes snapshots received from the leader. */
    private final SnapshotReceiver receiver;
    private final Notifier notifier;
    private final Outstanding outstanding;
    private final EngineMetrics metrics;
    private final long tickNanos;
    /** The largest message, by {@code sizeBytes()}, the transport must carry. */
    private final long maxMessageBytes;
    /** The first entry of the last AppendEntries refused as too large, so each is logged once. */
    private final AtomicLong oversizedEntryLogged = new AtomicLong(-1);

    /** Writes proposed but not yet handed to the applier, in index order. */
    private final ArrayDeque<PendingWrite<R>> pendingWrites = new ArrayDeque<>();
    private final List<BufferedWrite<R>> batch = new ArrayList<>();
    private int batchedCommands;
    private TaskQueue.Cancellable batchTimer;
    /** Driver thread: readies with entries handed to the storage thread and not yet reported durable. */
    private int persistsInFlight;
    private final Map<Long, PendingRead<?>> pendingReads = new HashMap<>();
    private long nextReadContext;
    /** Reads submitted and not yet started; see {@link #submitRead}. */
    private final ConcurrentLinkedQueue<PendingRead<?>> readInbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean readsScheduled = new AtomicBoolean();
    private boolean flushScheduled;
    private boolean stopped;
    private volatile boolean storageFailed;
    /** Readies waiting for the storage thread, and whether a drain of them is queued. */
    private final ConcurrentLinkedQueue<Ready> storageBacklog = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean storageScheduled = new AtomicBoolean();

    private final MembershipChanges membershipChanges;
    private PendingTransfer pendingTransfer;
    /** The leader heard although no configuration holds it yet; see {@link StrangerLeader}. */
    private final StrangerLeader strangerLeader = new StrangerLeader();

    private Role lastRole;
    private dev.raftkit.Membership lastMembership;
    private dev.raftkit.Membership lastCommittedMembership;
    private long lastTerm = -1;
    private Optional<NodeId> lastLeader = Optional.empty();
    private volatile DriverView view;

    Driver(Config config, RaftCore core, LogStore store, Transport transport, TaskQueue queue, TaskQueue storageQueue,
            Applier<?, R> applier, Notifier notifier, Outstanding outstanding, EngineMetrics metrics) {
        this.config = config;
        this.nodeId = config.self().value();
        this.core = core;
        this.store = store;
        this.transport = transport;
        this.queue = queue;
        this.storageQueue = storageQueue;
        this.applier = applier;
        this.notifier = notifier;
        this.outstanding = outstanding;
        this.metrics = metrics;
        this.tickNanos = config.tickInterval().toNanos();
        this.maxMessageBytes = transport.maxMessageBytes() - Transport.ENVELOPE_RESERVE_BYTES;
        this.view = DriverView.of(core);
        this.receiver = new SnapshotReceiver(nodeId, store, applier.snapshotCommitLock(), this::snapshotReceived);
        this.membershipChanges = new MembershipChanges(core, this::notLeader,
                () -> lostLeadership("the configuration change"), 100L * config.electionTimeoutTicksMax());
    }

    private record PendingTransfer(NodeId target, CompletableFuture<Void> future) {
    }

    /** The storage thread committed (or rejected) a received snapshot. */
    private void snapshotReceived(SnapshotMeta meta, boolean installed) {
        queue.execute(task(() -> {
            if (installed) {
                core.onSnapshotInstalled(meta);
                applier.restore(meta);
            } else {
                core.onSnapshotRejected(meta);
            }
        }));
    }

    /** The applier committed a snapshot of the state machine: the log before it can be compacted. */
    void onSnapshotTaken(SnapshotMeta meta) {
        queue.execute(task(() -> core.onSnapshotTaken(meta)));
    }

    /** Stops the node because the applier hit a storage failure. */
    void onApplierFailure(Throwable failure) {
        queue.execute(() -> fail(new FatalException("[" + nodeId + "] " + failure.getMessage(), failure)));
    }

    /** Starts ticking; called once, after the transport started. */
    void start() {
        queue.execute(task(this::scheduleTick));
    }

    /** Returns the latest published view of the core. */
    DriverView view() {
        return view;
    }

    // ---------------------------------------------------------------- entry points (any thread)

    /** Submits encoded commands as one contiguous run, answered through {@code write}. */
    void submitWrite(List<byte[]> payloads, PendingWrite<R> write) {
        queue.execute(task(() -> {
            if (config.maxBatchDelayTicks() == 0) {
                propose(payloads, write);
                return;
            }
            batch.add(new BufferedWrite<>(payloads, write));
            batchedCommands += payloads.size();
            // Writes wait only while an append is being made durable: the first write after an idle
            // spell goes at once, later ones share the next append when the current one lands, the
            // batch fills, or the delay ends, whichever comes first.
            if (batchedCommands >= config.maxBatchEntries() || persistsInFlight == 0) {
                flushBatch();
            } else if (batchTimer == null) {
                batchTimer = queue.schedule(task(this::flushBatch), config.maxBatchDelayTicks() * tickNanos);
            }
        }));
    }

    /**
     * Submits a linearizable read. Reads wait in an inbox that one driver task empties, so reads
     * arriving together cost one hand-off to the driver, not one each.
     */
    <T> void submitRead(Supplier<? extends T> query, CompletableFuture<T> future) {
        readInbox.add(new PendingRead<>(query, future));
        if (readsScheduled.compareAndSet(false, true)) {
            queue.execute(task(this::takeReads));
        }
    }

    /** Submits a configuration change, answered once it has committed. */
    void submitMembershipChange(MembershipChanges.Kind kind, NodeId id, dev.raftkit.Address address,
            CompletableFuture<dev.raftkit.Membership> future) {
        queue.execute(task(() -> membershipChanges.submit(kind, id, address, future)));
    }

    /** Submits a leadership transfer, answered once {@code target} leads. */
    void submitTransfer(NodeId target, CompletableFuture<Void> future) {
        queue.execute(task(() -> {
            switch (core.transferLeadership(target)) {
                case ALREADY_LEADER -> future.complete(null);
                case STARTED -> {
                    if (pendingTransfer != null && pendingTransfer.future != future) {
                        pendingTransfer.future.whenComplete((v, e) -> {
                            if (e == null) {
                                future.complete(null);
                            } else {
                                future.completeExceptionally(e);
                            }
                        });
                    } else {
                        pendingTransfer = new PendingTransfer(target, future);
                    }
                }
                case OTHER_TRANSFER_UNDER_WAY -> future.completeExceptionally(new IllegalStateException("[" + nodeId
                        + "] a leadership transfer to " + core.transferTarget().orElse(null) + " is under way"));
                case NOT_A_VOTER -> future.completeExceptionally(new IllegalArgumentException("[" + nodeId + "] cannot "
                        + "transfer leadership to " + target + ": not a voter of " + core.membership().voters().keySet()));
                case NOT_LEADER -> future.completeExceptionally(notLeader());
            }
        }));
    }

    /** Settles a leadership transfer once its outcome is known. */
    private void progressTransfer() {
        boolean aborted = core.takeTransferAborted();
        if (pendingTransfer == null) {
            return;
        }
        NodeId target = pendingTransfer.target;
        if (core.leader().filter(target::equals).isPresent()) {
            pendingTransfer.future.complete(null);
            pendingTransfer = null;
        } else if (aborted) {
            pendingTransfer.future.completeExceptionally(new java.util.concurrent.TimeoutException("[" + nodeId
                    + "] " + target + " did not take over within an election timeout; this node leads on"));
            pendingTransfer = null;
        } else if (core.role() != Role.LEADER && core.leader().isPresent()) {
            pendingTransfer.future.completeExceptionally(notLeader());
            pendingTransfer = null;
        }
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

    /** Queues an inbound message from a peer for the core. */
    @Override
    public void onMessage(RaftMessage message) {
        if (addressedHere(message)) {
            queue.execute(task(() -> core.step(message)));
        }
    }

    /** Queues a message from a sender outside the configuration; see {@link #hearStranger}. */
    @Override
    public void onMessageFromUnknownSender(RaftMessage message, dev.raftkit.Address senderAddress) {
        if (addressedHere(message)) {
            queue.execute(task(() -> hearStranger(message, senderAddress)));
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

    private void halt(Runnable whenStopped) {
        if (stopped) {
            whenStopped.run();
            return;
        }
        stopped = true;
        if (batchTimer != null) {
            batchTimer.cancel();
        }
        core.releaseSnapshots();
        closeTransport();
        storageQueue.execute(() -> {
            try {
                store.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("[{}] closing the log store failed", nodeId, e);
            }
            whenStopped.run();
        });
    }

    // ---------------------------------------------------------------- driver thread

    /** Starts every read in the inbox; a read submitted meanwhile schedules the next run. */
    private void takeReads() {
        readsScheduled.set(false);
        for (PendingRead<?> read = readInbox.poll(); read != null; read = readInbox.poll()) {
            long context = ++nextReadContext;
            if (core.readIndex(context)) {
                pendingReads.put(context, read);
            } else {
                read.future.completeExceptionally(notLeader());
            }
        }
    }

    /**
     * Steps leader traffic of the current or a newer term from a sender outside the configuration,
     * after making it a peer of the transport so that the replies reach it; drops anything else.
     */
    private void hearStranger(RaftMessage message, dev.raftkit.Address senderAddress) {
        if (!StrangerLeader.mayHear(message, core.term(), config.self())) {
            LOG.debug("[{}] ignoring {} from {}, which is not in this node's configuration", nodeId,
                    message.getClass().getSimpleName(), message.from());
            return;
        }
        dev.raftkit.Membership committed = core.membershipCommittedAt(core.commitIndex());
        boolean configured = core.membership().isMember(message.from()) || committed.isMember(message.from());
        // A configured sender is unknown only until publish() hands the transport the new peers.
        if (!configured && strangerLeader.remember(message.from(), senderAddress)) {
            LOG.info("[{}] hearing leader {} at {}, which is not in this node's configuration yet: this node is "
                    + "behind", nodeId, message.from(), senderAddress);
            transport.updatePeers(peers(core.membership(), committed));
        }
        core.step(message);
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

    private void scheduleTick() {
        queue.schedule(task(() -> {
            core.tick();
            membershipChanges.tick();
            metrics.sampleReplication(core);
            scheduleTick();
        }), tickNanos);
    }

    private void flushBatch() {
        if (batchTimer != null) {
            batchTimer.cancel();
            batchTimer = null;
        }
        if (batch.isEmpty()) {
            return;
        }
        List<byte[]> payloads = new ArrayList<>(batchedCommands);
        for (BufferedWrite<R> b : batch) {
            payloads.addAll(b.payloads);
        }
        Proposal proposal = core.propose(payloads);
        metrics.proposed(payloads.size());
        if (proposal instanceof Proposal.Appended appended) {
            long first = appended.firstIndex();
            for (BufferedWrite<R> b : batch) {
                accept(b.write, first);
                first += b.payloads.size();
            }
        } else {
            for (BufferedWrite<R> b : batch) {
                b.write.fail(rejection((Proposal.Refused) proposal));
            }
        }
        batch.clear();
        batchedCommands = 0;
    }

    private void propose(List<byte[]> payloads, PendingWrite<R> write) {
        Proposal proposal = core.propose(payloads);
        metrics.proposed(payloads.size());
        if (proposal instanceof Proposal.Appended appended) {
            accept(write, appended.firstIndex());
        } else {
            write.fail(rejection((Proposal.Refused) proposal));
        }
    }

    /** The error for a proposal the core refused for {@code reason}. */
    private RaftException rejection(Proposal.Refused reason) {
        if (reason == Proposal.Refused.TRANSFERRING_LEADERSHIP) {
            return new BusyException("[" + nodeId + "] handing leadership to "
                    + core.transferTarget().map(NodeId::value).orElse("another node") + "; retry shortly");
        }
        return notLeader();
    }

    private void accept(PendingWrite<R> write, long firstIndex) {
        write.firstIndex = firstIndex;
        write.term = core.term();
        pendingWrites.add(write);
    }

    /** Carries out what the core produced. */
    private void flush() {
        flushScheduled = false;
        failLostLeadership();
        membershipChanges.progress();
        progressTransfer();
        if (core.hasReady()) {
            Ready ready = core.ready(MAX_APPLY_BYTES);
            // Published before any message tells another node of this state: a node that learns
            // that this one leads finds role() here saying so too.
            publish();
            ready.messages().forEach(this::send);
            if (ready.needsPersistStep()) {
                if (!ready.entries().isEmpty()) {
                    persistsInFlight++;
                }
                storageBacklog.add(ready);
                if (storageScheduled.compareAndSet(false, true)) {
                    storageQueue.execute(this::drainStorageOrDie);
                }
            }
            handOver(ready.committed());
            startReads(ready.reads());
            if (core.hasReady()) {
                scheduleFlush();
            }
        } else {
            publish();
        }
    }

    /**
     * Runs on the storage queue, outside {@link #guarded}: anything {@link #drainStorage} lets
     * through (an Error from the store or from sending an acknowledgement) kills the node as it
     * would on the driver queue, instead of vanishing and leaving the node hung.
     */
    private void drainStorageOrDie() {
        try {
            drainStorage();
        } catch (Throwable t) {
            storageFailed = true;
            died("storage", t);
        }
    }

    /**
     * Storage thread: carries out every ready queued since the last run, as one durable write when
     * they only hold entries and hard state. While an fsync runs, the driver keeps producing readies,
     * so they pile up here and share the next fsync: group commit without any delay.
     */
    private void drainStorage() {
        storageScheduled.set(false);
        List<Ready> batch = new ArrayList<>();
        for (Ready r = storageBacklog.poll(); r != null; r = storageBacklog.poll()) {
            batch.add(r);
        }
        if (batch.isEmpty() || storageFailed) {
            return;
        }
        try {
            if (batch.stream().allMatch(r -> r.snapshotChunks().isEmpty() && r.compactThrough() == 0)) {
                persistMerged(batch);
            } else {
                for (Ready r : batch) {
                    persistOne(r);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            // An Error too (out of memory receiving a snapshot): the storage queue would drop it
            // silently, and the node would wait forever for this persist.
            storageFailed = true;
            queue.execute(() -> fail(new FatalException("[" + nodeId + "] persisting to the log store failed: "
                    + e.getMessage(), e)));
            return;
        }
        batch.forEach(r -> r.afterPersist().forEach(this::send));
        LogEntry last = null;
        int withEntries = 0;
        for (Ready r : batch) {
            if (!r.entries().isEmpty()) {
                last = r.entries().get(r.entries().size() - 1);
                withEntries++;
            }
        }
        if (last != null) {
            LogEntry persisted = last;
            int done = withEntries;
            queue.execute(task(() -> persisted(persisted, done)));
        }
    }

    /** Driver thread: the log is durable up to {@code last}; writes held for batching may go now. */
    private void persisted(LogEntry last, int readies) {
        persistsInFlight -= readies;
        core.onPersisted(last.index(), last.term());
        if (persistsInFlight == 0 && !batch.isEmpty()) {
            flushBatch();
        }
    }

    /** Writes the entries and the last hard state of several readies in one call (one fsync). */
    private void persistMerged(List<Ready> batch) throws IOException {
        List<LogEntry> entries = new ArrayList<>();
        HardState hardState = null;
        for (Ready r : batch) {
            if (!r.entries().isEmpty()) {
                long first = r.entries().get(0).index();
                // A later ready may replace a suffix of an earlier one (the leader overwrote it).
                while (!entries.isEmpty() && entries.get(entries.size() - 1).index() >= first) {
                    entries.remove(entries.size() - 1);
                }
                entries.addAll(r.entries());
            }
            if (r.hardState() != null) {
                hardState = r.hardState();
            }
        }
        if (hardState != null || !entries.isEmpty()) {
            long start = metrics.clock();
            store.persist(hardState, entries);
            metrics.persisted(entries.size(), start);
        }
    }

    private void persistOne(Ready ready) throws IOException {
        if (ready.hardState() != null || !ready.entries().isEmpty()) {
            store.persist(ready.hardState(), ready.entries());
        }
        for (SnapshotChunk chunk : ready.snapshotChunks()) {
            receiver.write(chunk);
        }
        if (ready.compactThrough() > 0) {
            store.compact(ready.compactThrough());
        }
    }

    private void handOver(List<LogEntry> committed) {
        if (committed.isEmpty()) {
            return;
        }
        long last = committed.get(committed.size() - 1).index();
        List<PendingWrite<R>> writes = new ArrayList<>();
        while (!pendingWrites.isEmpty() && pendingWrites.peekFirst().firstIndex <= last) {
            writes.add(pendingWrites.pollFirst());
        }
        applier.apply(committed, writes);
    }

    /** Hands the confirmed reads to the apply thread in one task. */
    @SuppressWarnings("unchecked")
    private void startReads(List<ReadState> confirmed) {
        if (confirmed.isEmpty()) {
            return;
        }
        List<Applier.WaitingRead> reads = new ArrayList<>(confirmed.size());
        for (ReadState read : confirmed) {
            PendingRead<Object> pending = (PendingRead<Object>) pendingReads.remove(read.context());
            if (pending != null) {
                reads.add(new Applier.WaitingRead(read.index(), pending.query, pending.future));
            }
        }
        applier.read(reads);
    }

    /** Fails writes and reads that were waiting on a leadership this node no longer holds. */
    private void failLostLeadership() {
        for (long context : core.takeDroppedReads()) {
            PendingRead<?> read = pendingReads.remove(context);
            if (read != null) {
                read.future.completeExceptionally(notLeader());
            }
        }
        if (!pendingWrites.isEmpty()
                && (core.role() != Role.LEADER || core.term() != pendingWrites.peekFirst().term)) {
            RaftException error = lostLeadership("the write");
            pendingWrites.forEach(w -> w.fail(error));
            pendingWrites.clear();
        }
    }

    /**
     * The error for something appended while this node led, now that it does not: always
     * NotLeader, never NoLeader, because the entry may still commit.
     */
    private NotLeaderException lostLeadership(String what) {
        NodeId hint = core.leader().filter(l -> !l.equals(config.self())).orElse(null);
        return new NotLeaderException("[" + nodeId + "] lost leadership while " + what + " was pending; it may "
                + "still commit", hint, hint == null ? null : addressOf(hint));
    }

    private RaftException notLeader() {
        Optional<NodeId> leader = core.leader().filter(l -> !l.equals(config.self()));
        if (leader.isPresent()) {
            return new NotLeaderException("[" + nodeId + "] not the leader; the leader is " + leader.get(),
                    leader.get(), addressOf(leader.get()));
        }
        return new NoLeaderException("[" + nodeId + "] no leader is known (role " + core.role() + ", term "
                + core.term() + ")");
    }

    /** {@return where {@code node} is reached, or null if neither the configuration nor a stranger says} */
    private dev.raftkit.Address addressOf(NodeId node) {
        return core.membership().addressOf(node).or(() -> strangerLeader.addressOf(node)).orElse(null);
    }

    private void publish() {
        DriverView next = DriverView.of(core);
        view = next;
        dev.raftkit.Membership committed = core.membershipCommittedAt(core.commitIndex());
        boolean strangerForgotten = strangerLeader.forgetUnlessStillNeeded(next.membership(), committed,
                next.leader());
        if (strangerForgotten || !next.membership().equals(lastMembership)
                || !committed.equals(lastCommittedMembership)) {
            lastCommittedMembership = committed;
            transport.updatePeers(peers(next.membership(), committed));
        }
        if (!next.membership().equals(lastMembership)) {
            lastMembership = next.membership();
            notifier.membershipChanged(lastMembership);
            LOG.info("[{}] term {}: configuration voters={} learners={}", nodeId, next.term(),
                    lastMembership.voters().keySet(), lastMembership.learners().keySet());
        }
        if (next.role() != lastRole || next.term() != lastTerm) {
            if (next.role() != lastRole) {
                LOG.info("[{}] term {}: {} -> {}", nodeId, next.term(), lastRole, next.role());
                notifier.roleChanged(next.role(), next.term());
            }
            lastRole = next.role();
            lastTerm = next.term();
        }
        if (!next.leader().equals(lastLeader)) {
            lastLeader = next.leader();
            notifier.leaderChanged(next.leader(), next.term());
            LOG.info("[{}] term {}: leader {}", nodeId, next.term(), next.leader().map(NodeId::value).orElse("unknown"));
        }
    }

    /**
     * The nodes the transport exchanges messages with: the members of the latest configuration and
     * of the committed one, and the {@link StrangerLeader} if one is heard. A node stays a peer until
     * its removal commits, because a leader that removes itself needs its followers'
     * acknowledgements to commit that removal.
     */
    private Map<NodeId, dev.raftkit.Address> peers(dev.raftkit.Membership latest, dev.raftkit.Membership committed) {
        Map<NodeId, dev.raftkit.Address> peers = new java.util.TreeMap<>(committed.addresses());
        peers.putAll(latest.addresses());
        strangerLeader.addTo(peers);
        peers.remove(config.self());
        return peers;
    }

    private void send(RaftMessage message) {
        if (message.sizeBytes() > maxMessageBytes) {
            refuseOversized(message);
            return;
        }
        try {
            transport.send(message);
        } catch (RuntimeException e) {
            // The Transport contract forbids throwing; treat it as a lost message.
            LOG.warn("[{}] transport threw on send to {}; message dropped", nodeId, message.to(), e);
        }
    }

    /**
     * Drops a message the transport need not carry instead of handing it on. Only an entry appended
     * before the transport's limit was lowered can cause one (writes over {@code maxCommandBytes}
     * are refused, and {@code maxCommandBytes} fits the limit): that entry cannot reach a follower
     * until every node's transport carries it again, so the problem is logged once per entry, with
     * the fix; the protocol retries at its normal pace meanwhile, no faster.
     */
    private void refuseOversized(RaftMessage message) {
        long entry = message instanceof AppendEntries append && !append.entries().isEmpty()
                ? append.entries().get(0).index() : 0;
        if (oversizedEntryLogged.getAndSet(entry) != entry) {
            LOG.error("[{}] cannot send a {} of {} bytes to {}: the transport carries at most {} ({} minus {} for its "
                    + "envelope){}; raise the transport's limit (e.g. grpc.maxMessageBytes) on every node", nodeId,
                    message.getClass().getSimpleName(), message.sizeBytes(), message.to(), maxMessageBytes,
                    transport.maxMessageBytes(), Transport.ENVELOPE_RESERVE_BYTES,
                    entry > 0 ? "; entry " + entry + " alone is that large" : "");
        }
    }

    private void closeTransport() {
        try {
            transport.close();
        } catch (RuntimeException e) {
            LOG.warn("[{}] closing the transport failed", nodeId, e);
        }
    }

    /** Stops the node after a fault: fails everything, closes transport and store. */
    private void fail(RaftException failure) {
        if (stopped) {
            return;
        }
        membershipChanges.failAll(failure);
        if (outstanding.stop(failure)) {
            LOG.error("[{}] term {}: node stopped: {}", nodeId, core.term(), failure.getMessage(), failure.getCause());
        }
        halt(() -> {
        });
    }

    /** An immutable view of the core, published after each flush for {@code status()}. */
    record DriverView(Role role, long term, Optional<NodeId> leader, long commitIndex, long lastLogIndex,
            long snapshotIndex, dev.raftkit.Membership membership) {
        static DriverView of(RaftCore core) {
            return new DriverView(core.role(), core.term(), core.leader(), core.commitIndex(), core.lastIndex(),
                    core.snapshotIndex(), core.membership());
        }
    }
}
