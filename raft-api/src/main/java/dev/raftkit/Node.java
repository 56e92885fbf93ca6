package dev.raftkit;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A running Raft node: submit commands, read state, watch and change the cluster.
 *
 * <p>Threading: every method may be called from any thread and never blocks on consensus; results
 * arrive through futures. Futures of writes and reads complete on the node's apply thread: do not
 * block in their callbacks (use the {@code *Async} variants to move work elsewhere).
 *
 * <p>Errors: futures complete exceptionally with a {@link RaftException} subclass, each with one
 * caller action (see the subclasses), and {@link RaftException#mayHaveCommitted()} says whether the
 * call may have taken effect. The administrative calls ({@link #transferLeadership},
 * {@link #addVoter}, {@link #addLearner}, {@link #removeMember}, {@link #snapshot}) may also fail
 * with the JDK exceptions their Javadoc names, and with no other type. Any other exception of a
 * write or a read comes from user code (the codec, a query or the state machine) and is passed
 * through unchanged.
 *
 * @param <C> the command type
 * @param <R> the response type of {@link StateMachine#apply}
 */
public interface Node<C, R> extends AutoCloseable {

    /** {@return this node's id} */
    NodeId id();

    /**
     * Submits a command to the replicated log.
     *
     * <p>When the future completes normally with {@code response}: the command is the log entry at
     * some committed index {@code i}; {@code stateMachine.apply(i, command)} has run on this node and
     * returned {@code response}; every node replays the command at {@code i} on recovery; and this
     * node's commit index is at least {@code i}.
     *
     * <p>Only a leader accepts writes. A write is not a read barrier (use {@link #readLinearizable}),
     * and is not exactly-once on retry or across failover: a write pending on a leader that loses
     * leadership fails with {@link NotLeaderException} although its entry may still commit.
     * {@link RaftException#mayHaveCommitted()} says which failures may have applied the command;
     * retry those through a {@linkplain #openSession() session} to apply it at most once.
     * {@link NoLeaderException} and {@link BusyException} mean nothing was appended.
     *
     * <p>A command whose encoded size (what the codec returns) exceeds
     * {@link Config#maxCommandBytes()} is refused: the returned future is already failed with
     * {@link IllegalArgumentException} naming the limit, and nothing is appended.
     *
     * @param command the command, not null
     * @return the response of {@code apply}
     */
    CompletableFuture<R> write(C command);

    /**
     * Same semantics and errors as {@link #write}.
     *
     * @param command the command
     * @return the response of {@code apply}
     * @deprecated since 0.2.0, use {@link #write}; kept for the 0.1 migration window.
     */
    @Deprecated(since = "0.2.0", forRemoval = true)
    default CompletableFuture<R> propose(C command) {
        return write(command);
    }

    /**
     * Submits several commands as one contiguous run of log entries: all are appended, or none and
     * the future fails. Completes with every response, in order, once the last one has applied.
     *
     * <p>A batch whose commands' encoded sizes sum to more than {@link Config#maxCommandBytes()} is
     * refused as {@link #write} refuses one large command: the returned future is already failed
     * with {@link IllegalArgumentException} naming the limit, and nothing is appended.
     *
     * @param commands the commands, not null and not empty
     * @return the responses, in command order
     */
    CompletableFuture<List<R>> writeBatch(List<? extends C> commands);

    /**
     * Runs {@code query} on the apply thread once this node has applied at least the commit index a
     * quorum confirmed after this call (ReadIndex). The result reflects every write that completed,
     * on any node, before the call. Only a leader serves it; others fail as {@link #write} does.
     *
     * @param query reads the state machine; must not modify it or block
     * @param <T> the result type
     * @return what the query returned
     */
    <T> CompletableFuture<T> readLinearizable(Supplier<? extends T> query);

    /**
     * Runs {@code query} on the apply thread now, with no consensus round. Any role serves it; the
     * result may be stale (it reflects this node's applied index).
     *
     * @param query reads the state machine; must not modify it or block
     * @param <T> the result type
     * @return what the query returned
     */
    <T> CompletableFuture<T> readLocal(Supplier<? extends T> query);

    /**
     * Runs {@code query} with the consistency {@code policy} asks for; see {@link ReadPolicy} for what
     * each one costs and where it may run. {@link ReadPolicy#LINEARIZABLE} is
     * {@link #readLinearizable} and {@link ReadPolicy#LOCAL} is {@link #readLocal}.
     *
     * @param policy how to make the read consistent, not null
     * @param query reads the state machine; must not modify it or block
     * @param <T> the result type
     * @return the query's result, on the apply thread
     */
    <T> CompletableFuture<T> read(ReadPolicy policy, Supplier<? extends T> query);

    /** {@return the leader this node currently knows, if any; none once it is closed or failed} */
    Optional<NodeId> leader();

    /**
     * Completes with the leader this node knows: at once if it knows one now, else when it learns
     * of one (then on the thread that tells {@link NodeListener}s, so do not block in callbacks).
     * Just after a leader failed this may still be that leader until the followers time out; a
     * caller whose call to it fails again backs off and calls this again. Fails only with
     * {@link ShutdownException}, at once on a closed or failed node and when the node stops while
     * waiting. It never times out by itself: bound it with
     * {@link CompletableFuture#orTimeout orTimeout}; a future that completes that way, or is
     * cancelled, is forgotten by the node.
     *
     * <pre>{@code
     * NodeId leader = node.awaitLeader().orTimeout(10, TimeUnit.SECONDS).join();
     * }</pre>
     *
     * @return the known leader
     */
    CompletableFuture<NodeId> awaitLeader();

    /**
     * Opens a session for exactly-once writes: registers it through the log and completes with its
     * id once that entry has applied. Leader only; errors as {@link #write}. Needs a response codec
     * ({@code Raft.builder(..).responseCodec(..)}): without one the returned future is already failed
     * with {@link IllegalStateException} naming {@code responseCodec}, on any role.
     *
     * <p>A session expires after {@link Config#sessionTimeout()} without use (time stamped in the log
     * by the leader, so every replica expires it at the same entry), or as the least recently used
     * when more than {@link Config#maxSessions()} are open.
     *
     * @return the new session
     */
    CompletableFuture<SessionId> openSession();

    /**
     * Submits a command of a session: each {@code (session, sequence)} applies at most once, on any
     * node, across failover, restart and snapshot install. A sequence already applied completes with
     * its recorded response without applying again (its command is not compared). Sequences of a
     * session start at 1 and increase; several may be in flight, and they may arrive out of order or
     * with gaps.
     *
     * <p>The session keeps the responses of its {@link Config#sessionWindow()} highest applied
     * sequences: a write whose sequence is at or below (highest applied - window) fails with
     * {@link SessionExpiredException} whose {@link RaftException#mayHaveCommitted()} is true, and the
     * session stays usable. A caller with at most {@code sessionWindow} writes of a session in flight
     * never sees that. Writes of an unknown, closed or expired session fail with
     * {@link SessionExpiredException}.
     *
     * <p>Leader only; otherwise errors and limits as {@link #write}. Any failure whose
     * {@link RaftException#mayHaveCommitted()} is true can be retried with the same session and
     * sequence, on whichever node leads next.
     *
     * @param session an open session
     * @param sequence the write's sequence in the session, at least 1
     * @param command the command, not null
     * @return the response of {@code apply}, recorded for retries
     */
    CompletableFuture<R> write(SessionId session, long sequence, C command);

    /**
     * Ends a session through the log: its recorded responses are dropped and its later writes fail
     * with {@link SessionExpiredException}. Closing an unknown or already closed session completes
     * normally. Leader only; errors as {@link #write}.
     *
     * @param session the session to close
     * @return completes once the close has applied on this node
     */
    CompletableFuture<Void> closeSession(SessionId session);

    /**
     * {@return this node's current role; once it is closed or failed, {@link Role#FOLLOWER} (or
     * {@link Role#LEARNER} if it was one), never a live role: see {@link NodeStatus#state()}}
     */
    Role role();

    /**
     * {@return a consistent snapshot of this node's state; {@link NodeStatus#state()} tells a running
     * node from a closed or failed one, which reports no live role and no leader}
     */
    NodeStatus status();

    /**
     * Registers a listener of role, leader and membership changes. It first hears the current role,
     * leader and membership, then every later change.
     *
     * @param listener the listener
     */
    void addListener(NodeListener listener);

    /**
     * Hands leadership to {@code target}: the leader catches it up, stops accepting writes, and
     * asks it to start an election at once. Completes when {@code target} leads (at once if this
     * node is the target and leads).
     *
     * <p>The future fails only with:
     * <ul>
     * <li>{@link IllegalArgumentException}: {@code target} is not a voter of the current
     *     configuration (a learner or an unknown id); nothing changed.
     * <li>{@link IllegalStateException}: a transfer to another target is under way; nothing
     *     changed, retry once it has ended (a second request for the same target shares the first
     *     one's outcome).
     * <li>{@link java.util.concurrent.TimeoutException}: {@code target} did not take over within an
     *     election timeout; the transfer is over and this node leads on, accepting writes again.
     * <li>a {@link RaftException}: {@link NotLeaderException} or {@link NoLeaderException} with
     *     {@link RaftException#mayHaveCommitted()} false when this node did not lead (nothing
     *     started); {@link NotLeaderException} with it true when another node took over during the
     *     transfer ({@code target} may still win the election the transfer started);
     *     {@link ShutdownException}, {@link DriverDeadException} or {@link FatalException} when the
     *     node stopped (true if the call was pending then).
     * </ul>
     *
     * @param target a voter of the current configuration
     * @return completes when the target has become leader
     */
    CompletableFuture<Void> transferLeadership(NodeId target);

    /**
     * Adds a voter, first catching it up as a learner if it is not a member yet, so the cluster's
     * availability does not drop while it copies the log. Leader only.
     *
     * <p>Idempotent, so a call whose outcome is unknown can be retried, on whichever node leads:
     * adding a voter at the address it has completes with the current configuration and changes
     * nothing; adding a learner at its address promotes it (the last step of a join).
     *
     * <p>The future fails only with:
     * <ul>
     * <li>{@link IllegalArgumentException}: {@code id} is a member at another address; nothing
     *     changed (remove it first to move it).
     * <li>{@link java.util.concurrent.TimeoutException}: the node made no progress catching up for
     *     100 (longest) election timeouts; it stays a learner (the configuration holds it as one),
     *     and a retry resumes the promotion.
     * <li>a {@link RaftException}, with the meanings {@link #write} gives them: refused
     *     ({@link RaftException#mayHaveCommitted()} false, nothing changed) when this node did not
     *     lead or had stopped when the request reached it; true when a configuration entry of the
     *     request was appended and the outcome is unknown (leadership lost, node failed), and for
     *     any request pending when {@code close()} was called: retry, which the rules above make
     *     safe.
     * </ul>
     *
     * @param id the new member
     * @param address where it is reached
     * @return the configuration once the change has committed
     */
    CompletableFuture<Membership> addVoter(NodeId id, Address address);

    /**
     * Adds a learner: it receives the log but does not vote. Leader only.
     *
     * <p>Idempotent: adding a learner at the address it has completes with the current
     * configuration and changes nothing.
     *
     * <p>The future fails only with:
     * <ul>
     * <li>{@link IllegalArgumentException}: {@code id} is a voter (this call never demotes; remove
     *     it first), or a member at another address; nothing changed.
     * <li>a {@link RaftException}, as for {@link #addVoter}.
     * </ul>
     *
     * @param id the new member
     * @param address where it is reached
     * @return the configuration once the change has committed
     */
    CompletableFuture<Membership> addLearner(NodeId id, Address address);

    /**
     * Removes a voter or learner. Removing the leader itself works: it steps down once the change
     * has committed. Leader only.
     *
     * <p>Idempotent: removing a node that is not a member completes with the current configuration
     * and changes nothing.
     *
     * <p>The future fails only with:
     * <ul>
     * <li>{@link IllegalArgumentException}: {@code id} is the last voter; nothing changed.
     * <li>a {@link RaftException}, as for {@link #addVoter}.
     * </ul>
     *
     * @param id the member to remove
     * @return the configuration once the change has committed
     */
    CompletableFuture<Membership> removeMember(NodeId id);

    /**
     * Takes a snapshot of the state machine now and compacts the log it covers. If nothing was
     * applied since the last snapshot, completes with that one.
     *
     * <p>The future fails only with:
     * <ul>
     * <li>{@link IllegalStateException}: nothing has been applied yet, or writing the snapshot
     *     failed (the state machine's {@code writeSnapshot} or the log store threw; the cause is
     *     attached); the snapshot was abandoned, the log and the last snapshot are unchanged: retry
     *     later.
     * <li>{@link ShutdownException}, {@link DriverDeadException} or {@link FatalException}: the node
     *     stopped.
     * </ul>
     *
     * @return the snapshot once it is durable
     */
    CompletableFuture<SnapshotInfo> snapshot();

    /**
     * Stops the node gracefully: pending and later calls fail with {@link ShutdownException}, the
     * log store and transport are closed, and no thread of the node is left running. Idempotent.
     */
    @Override
    void close();
}
