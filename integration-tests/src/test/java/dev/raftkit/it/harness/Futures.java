package dev.raftkit.it.harness;

import dev.raftkit.NotLeaderException;
import dev.raftkit.RaftException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for a {@code Node} call and turns its failure into an {@link OperationException}. */
public final class Futures {

    private Futures() {
    }

    /**
     * Returns the future's value once it completes, within {@code timeout}.
     *
     * @throws OperationException classified by {@link FailureKind#of}, with the leader hint of a
     *     {@link NotLeaderException}; {@link FailureKind#TIMEOUT} when it did not complete in time
     */
    public static <T> T await(CompletableFuture<T> future, Duration timeout) throws OperationException {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw failure(cause);
        } catch (TimeoutException e) {
            throw new OperationException(FailureKind.TIMEOUT, null, "no answer within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationException(FailureKind.OTHER, null, "interrupted while waiting", e);
        }
    }

    /**
     * Classifies an error a node call completed with; a {@link RaftException} also says whether the
     * write may have taken effect, any other error leaves that unknown.
     */
    public static OperationException failure(Throwable cause) {
        return new OperationException(FailureKind.of(cause),
                cause instanceof NotLeaderException notLeader ? notLeader.leaderHint().orElse(null) : null,
                !(cause instanceof RaftException raft) || raft.mayHaveCommitted(),
                String.valueOf(cause.getMessage()), cause);
    }
}
