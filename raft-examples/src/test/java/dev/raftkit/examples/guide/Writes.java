package dev.raftkit.examples.guide;

import dev.raftkit.BusyException;
import dev.raftkit.NoLeaderException;
import dev.raftkit.Node;
import dev.raftkit.NodeId;
import dev.raftkit.NotLeaderException;
import dev.raftkit.RaftException;
import dev.raftkit.SessionExpiredException;
import dev.raftkit.SessionId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Samples of docs/writes.md. */
final class Writes {

    private Writes() {
    }

    // tag::retry[]
    /**
     * Writes through whichever node leads, following leader hints and backing off while there is
     * no leader. Retries after NotLeaderException may apply a command twice: make it idempotent.
     */
    static <C, R> R writeToLeader(Map<NodeId, Node<C, R>> nodes, NodeId first, C command)
            throws InterruptedException, TimeoutException {
        Node<C, R> target = nodes.get(first);
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                return target.write(command).get(5, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof NotLeaderException notLeader && notLeader.leaderHint().isPresent()) {
                    target = nodes.get(notLeader.leaderHint().get());   // ask the leader it names
                } else if (cause instanceof NotLeaderException || cause instanceof NoLeaderException
                        || cause instanceof BusyException) {
                    Thread.sleep(10L << Math.min(attempt, 6));           // election or overload: back off
                } else {
                    // ShutdownException, DriverDeadException, FatalException, or apply's own exception
                    throw new IllegalStateException("write failed for good", cause);
                }
            }
        }
        throw new TimeoutException("no leader accepted the write after 20 attempts");
    }
    // end::retry[]

    // tag::outcome[]
    /**
     * Whether a failed write can be sent again with no risk of applying its command twice: it has
     * not taken effect and never will. Otherwise its outcome is unknown: retry it through a
     * session, or read the state to find out.
     */
    static boolean safeToRetry(Throwable failure) {
        return failure instanceof RaftException e && !e.mayHaveCommitted();
    }
    // end::outcome[]

    // tag::session[]
    /**
     * Writes {@code command} exactly once: the same (session, sequence) is retried on whichever
     * node leads until one answers. A retry of a write that already applied answers with the
     * response recorded then, without applying it again.
     */
    static <C, R> R writeOnce(Map<NodeId, Node<C, R>> nodes, SessionId session, long sequence, C command)
            throws InterruptedException, TimeoutException {
        List<Node<C, R>> all = List.copyOf(nodes.values());
        for (int attempt = 0; attempt < 20; attempt++) {
            Node<C, R> target = all.get(attempt % all.size());
            try {
                return target.write(session, sequence, command).get(5, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SessionExpiredException expired) {
                    // The session is gone (or the sequence fell out of its window): open a new one.
                    throw new IllegalStateException("outcome unknown: " + expired.getMessage(), expired);
                }
                if (!(e.getCause() instanceof RaftException)) {
                    throw new IllegalStateException("apply or the codec failed", e.getCause());
                }
                Thread.sleep(10L << Math.min(attempt, 6)); // any other failure: the same write, elsewhere
            } catch (TimeoutException e) {
                // no answer from this node: the same write, elsewhere
            }
        }
        throw new TimeoutException("no node answered the write after 20 attempts");
    }
    // end::session[]

    // tag::batch[]
    static List<Long> addAll(Node<Long, Long> leader, List<Long> deltas) throws Exception {
        // One contiguous run of entries: all are appended, or none and the future fails.
        return leader.writeBatch(deltas).get(5, TimeUnit.SECONDS);
    }
    // end::batch[]

    // tag::async[]
    static CompletableFuture<String> writeThenNotify(Node<Long, Long> leader, Executor executor) {
        // The future completes on the apply thread: move slow work elsewhere with an *Async stage.
        return leader.write(1L).thenApplyAsync(total -> "total is now " + total, executor);
    }
    // end::async[]
}
