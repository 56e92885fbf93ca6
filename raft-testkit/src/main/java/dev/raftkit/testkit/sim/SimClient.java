package dev.raftkit.testkit.sim;

import dev.raftkit.BusyException;
import dev.raftkit.DriverDeadException;
import dev.raftkit.FatalException;
import dev.raftkit.NoLeaderException;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.RaftException;
import dev.raftkit.ReadPolicy;
import dev.raftkit.SessionExpiredException;
import dev.raftkit.SessionId;
import dev.raftkit.testkit.linearizability.History;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One simulated client: issues the requests its {@link Requests} draws, one at a time, to the node
 * it believes leads, and records each operation in the history. Queries use every
 * {@link ReadPolicy}, drawn at random: {@code FOLLOWER} queries go to any node, the others to the
 * leader; {@code LOCAL} queries (allowed to be stale) are issued but left out of the history, which
 * holds only the linearizable ones. Outcomes are classified as the
 * write contract allows: {@link NoLeaderException}, {@link BusyException} and any
 * {@link RaftException} whose {@code mayHaveCommitted()} is false mean the command never takes
 * effect (a definite failure); any other failure of a command that changes state, or no answer
 * within the timeout, is unknown (it may still take effect). A failed read (a query, or a command
 * the model says changes nothing) has no effect and is recorded as failed.
 *
 * <p>A client with sessions opens one and writes through it, retrying a failed write with the same
 * sequence on whichever node it tries next until one attempt answers or the operation times out;
 * the engine applies it at most once, which the {@link SafetyMonitor} checks.
 *
 * @param <C> the command type
 * @param <R> the response type
 * @param <M> the state machine type, which queries read
 * @param <I> the input type of the checker's model
 * @param <O> the output type of the checker's model
 */
final class SimClient<C, R, M, I, O> {

    /** The least pause before a session write is retried on another node. */
    private static final long RETRY_PAUSE_NANOS = 10_000_000L;
    /** How long a session write waits on one node before it is tried on another too. */
    private static final long ATTEMPT_PATIENCE_NANOS = 150_000_000L;
    private static final ReadPolicy[] READ_POLICIES = ReadPolicy.values();

    /** What a client asks for: a command through the log, or a linearizable read query. */
    sealed interface Request<C, R, M, I, O> permits Command, Query {

        /** {@return the history key the operation touches} */
        String key();

        /** {@return the operation as the checker's model sees it} */
        I input();
    }

    /**
     * A command written through the log.
     *
     * @param output maps the state machine's response to the model's output
     * @param changesState false for a read sent as a command: failing, it is recorded as failed
     */
    record Command<C, R, M, I, O>(String key, I input, C command, Function<R, O> output, boolean changesState)
            implements Request<C, R, M, I, O> {
    }

    /**
     * A linearizable read: {@code query} runs on the state machine of the node asked.
     *
     * @param query reads the model's output from the state machine
     */
    record Query<C, R, M, I, O>(String key, I input, Function<M, O> query) implements Request<C, R, M, I, O> {
    }

    /** Draws one client's requests. */
    interface Requests<C, R, M, I, O> {

        /**
         * @param random the client's own seeded randomness
         * @param now the virtual time, in nanoseconds
         * @return the next request
         */
        Request<C, R, M, I, O> next(SplittableRandom random, long now);
    }

    private final SimGroup<C, R, ? extends M> group;
    private final VirtualScheduler scheduler;
    private final SplittableRandom random;
    private final History<I, O> history;
    private final Requests<C, R, M, I, O> requests;
    private final long opTimeoutNanos;
    private final Consumer<Long> onWriteOk;
    private final Consumer<Throwable> onNodeDeath;
    /** Present for a client that writes through sessions: told of every session write it sends. */
    private final Optional<SafetyMonitor<C>> sessionMonitor;
    /** The open session of a client with sessions; null until opened, and after it expired. */
    private SessionId session;
    private long nextSequence;
    private int process;
    private NodeId target;
    private boolean stopped;
    private int inFlight;

    /**
     * @param sessionMonitor present to write through sessions, telling it of every session write
     */
    SimClient(SimGroup<C, R, ? extends M> group, VirtualScheduler scheduler, SplittableRandom random,
            History<I, O> history, Requests<C, R, M, I, O> requests, long opTimeoutNanos, Consumer<Long> onWriteOk,
            Consumer<Throwable> onNodeDeath, Optional<SafetyMonitor<C>> sessionMonitor) {
        this.sessionMonitor = sessionMonitor;
        this.group = group;
        this.scheduler = scheduler;
        this.random = random;
        this.history = history;
        this.requests = requests;
        this.opTimeoutNanos = opTimeoutNanos;
        this.onWriteOk = onWriteOk;
        this.onNodeDeath = onNodeDeath;
        this.process = history.newProcess();
        this.target = group.ids().get(random.nextInt(group.ids().size()));
    }

    /** Starts issuing operations after a random think time. */
    void start() {
        scheduleNext();
    }

    /** Stops issuing new operations; the one in flight still completes or times out. */
    void stop() {
        stopped = true;
    }

    /** Returns whether an operation is in flight. */
    boolean busy() {
        return inFlight > 0;
    }

    private void scheduleNext() {
        if (!stopped) {
            scheduler.after(1_000_000L + random.nextLong(20_000_000L), this::issue);
        }
    }

    private void issue() {
        if (stopped) {
            return;
        }
        if (sessionMonitor.isPresent() && session == null) {
            openSession();
            return;
        }
        Request<C, R, M, I, O> request = requests.next(random, scheduler.now());
        send(request, request instanceof Query ? READ_POLICIES[random.nextInt(READ_POLICIES.length)]
                : ReadPolicy.LINEARIZABLE);
    }

    /** Opens this client's session (no operation of the history), then goes on issuing. */
    private void openSession() {
        SimGroup.Incarnation<C, R, ? extends M> at = pickNode();
        if (at == null) {
            scheduleNext();
            return;
        }
        at.node().openSession().whenComplete((opened, error) -> {
            if (error == null) {
                session = opened;
                nextSequence = 1;
            } else {
                retarget(error);
            }
            scheduleNext();
        });
    }

    /** Sends {@code request} to {@code node}, recorded like the others, e.g. a final (linearizable) read. */
    void sendTo(NodeId node, Request<C, R, M, I, O> request) {
        target = node;
        send(request, ReadPolicy.LINEARIZABLE);
    }

    /** Sends {@code request}; a query is made consistent as {@code policy} says. */
    private void send(Request<C, R, M, I, O> request, ReadPolicy policy) {
        SimGroup.Incarnation<C, R, ? extends M> at = policy == ReadPolicy.FOLLOWER ? anyNode() : pickNode();
        if (request instanceof Query<C, R, M, I, O> query && policy == ReadPolicy.LOCAL) {
            if (at != null) { // may be stale by contract: exercised, never checked
                M state = at.state();
                at.node().readLocal(() -> query.query().apply(state));
            }
            scheduleNext();
            return;
        }
        long op = history.invoke(process, request.key(), request.input());
        if (at == null) {
            history.fail(op);
            scheduleNext();
            return;
        }
        if (request instanceof Command<C, R, M, I, O> command && session != null) {
            writeThroughSession(op, command, session, nextSequence++);
        } else if (request instanceof Command<C, R, M, I, O> command) {
            track(op, at.node().write(command.command()), response -> {
                onWriteOk.accept(scheduler.now()); // any command through the log, reads too, shows progress
                return command.output().apply(response);
            }, command.changesState());
        } else if (request instanceof Query<C, R, M, I, O> query) {
            M state = at.state();
            track(op, at.node().read(policy, () -> query.query().apply(state)), Function.identity(), false);
        }
    }

    private <T> void track(long op, CompletableFuture<T> future, Function<T, O> output, boolean write) {
        inFlight++;
        boolean[] done = new boolean[1];
        VirtualScheduler.Event timeout = scheduler.after(opTimeoutNanos, () -> {
            if (!done[0]) {
                done[0] = true;
                inFlight--;
                if (write) {
                    history.unknown(op);
                    process = history.newProcess();
                } else {
                    history.fail(op);
                }
                scheduleNext();
            }
        });
        future.whenComplete((value, error) -> {
            if (done[0]) {
                return;
            }
            done[0] = true;
            inFlight--;
            timeout.cancel();
            if (error == null) {
                history.ok(op, output.apply(value));
            } else {
                classify(op, error, write);
            }
            scheduleNext();
        });
    }

    /**
     * Writes {@code command} as {@code sequence} of {@code writeSession}, retrying it after any
     * failure, or after waiting too long, on the node tried next, until an attempt answers or the
     * operation times out (then
     * its outcome is unknown). A session that expired ends the operation as unknown (an earlier
     * attempt may have applied) and is replaced.
     */
    private void writeThroughSession(long op, Command<C, R, M, I, O> command, SessionId writeSession, long sequence) {
        inFlight++;
        boolean[] done = new boolean[1];
        Runnable unknown = () -> {
            done[0] = true;
            inFlight--;
            history.unknown(op);
            process = history.newProcess();
            scheduleNext();
        };
        VirtualScheduler.Event timeout = scheduler.after(opTimeoutNanos, () -> {
            if (!done[0]) {
                unknown.run();
            }
        });
        Runnable attempt = new Runnable() {
            @Override
            public void run() {
                if (done[0]) {
                    return;
                }
                SimGroup.Incarnation<C, R, ? extends M> at = pickNode();
                if (at == null) {
                    scheduler.after(RETRY_PAUSE_NANOS, this);
                    return;
                }
                sessionMonitor.orElseThrow().onSessionWrite(writeSession, sequence, command.command());
                Runnable retry = this;
                // A client that waits too long on one node tries another while the first attempt
                // may still commit: the retries most likely to apply twice without de-duplication.
                boolean[] movedOn = new boolean[1];
                VirtualScheduler.Event impatience = scheduler.after(ATTEMPT_PATIENCE_NANOS, () -> {
                    movedOn[0] = true;
                    List<NodeId> ids = group.ids();
                    target = ids.get(random.nextInt(ids.size()));
                    retry.run();
                });
                at.node().write(writeSession, sequence, command.command()).whenComplete((response, error) -> {
                    impatience.cancel();
                    if (done[0] || error != null && movedOn[0]) {
                        return;
                    }
                    if (error == null) {
                        done[0] = true;
                        inFlight--;
                        timeout.cancel();
                        onWriteOk.accept(scheduler.now());
                        history.ok(op, command.output().apply(response));
                        scheduleNext();
                        return;
                    }
                    retarget(error);
                    if (error instanceof SessionExpiredException) {
                        session = null;
                        timeout.cancel();
                        unknown.run();
                        return;
                    }
                    scheduler.after(RETRY_PAUSE_NANOS + random.nextLong(RETRY_PAUSE_NANOS), retry);
                });
            }
        };
        attempt.run();
    }

    /** Picks the node to try next after {@code error}; a node that stopped itself is an engine bug. */
    private void retarget(Throwable error) {
        if (error instanceof DriverDeadException || error instanceof FatalException) {
            // The simulation injects no storage faults, so a node that stopped itself is an engine bug.
            onNodeDeath.accept(error);
        }
        if (error instanceof NotLeaderException notLeader && notLeader.leaderHint().isPresent()) {
            target = notLeader.leaderHint().get();
        } else {
            List<NodeId> ids = group.ids();
            target = ids.get(random.nextInt(ids.size()));
        }
    }

    private void classify(long op, Throwable error, boolean write) {
        retarget(error);
        boolean definite = error instanceof NoLeaderException || error instanceof BusyException
                || error instanceof RaftException raft && !raft.mayHaveCommitted();
        if (!write || definite) {
            history.fail(op);
        } else {
            history.unknown(op);
            process = history.newProcess();
        }
    }

    /** {@return a node drawn at random (a follower read is served wherever it is sent), or null if it is down} */
    private SimGroup.Incarnation<C, R, ? extends M> anyNode() {
        List<NodeId> ids = group.ids();
        return group.incarnation(ids.get(random.nextInt(ids.size())));
    }

    private SimGroup.Incarnation<C, R, ? extends M> pickNode() {
        SimGroup.Incarnation<C, R, ? extends M> at = group.incarnation(target);
        if (at == null) {
            List<NodeId> ids = group.ids();
            target = ids.get(random.nextInt(ids.size()));
            at = group.incarnation(target);
        }
        return at;
    }
}
