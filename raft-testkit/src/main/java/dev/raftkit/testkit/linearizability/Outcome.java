package dev.raftkit.testkit.linearizability;

/**
 * How a recorded operation ended, as far as the client could tell.
 *
 * <p>Classifying outcomes correctly is the caller's job and the most common source of false
 * results: an error that leaves it open whether the operation took effect (a timeout, a lost
 * connection after sending, a leader lost after the proposal) is {@link #UNKNOWN}, never
 * {@link #FAIL}.
 *
 * <p>An answer that reports a "failure" of the operation's own logic is an observed result, not a
 * failed operation: a compare-and-set that found another value took effect (it read the value and
 * changed nothing) and is {@link #OK} with the output "not swapped", which the model checks against
 * the state; a withdrawal refused for lack of funds is {@link #OK} with the output "refused".
 * {@link #FAIL} means only that the operation had no effect at all and never will, such as a
 * request rejected before it reached the system ({@code NoLeaderException}, {@code BusyException},
 * or a {@code RaftException} whose {@code mayHaveCommitted()} is false).
 */
public enum Outcome {

    /** The operation took effect, between its invocation and its return, with the recorded output. */
    OK,

    /**
     * The operation definitely did not take effect (for example it was rejected before it was
     * proposed). The checker drops such operations.
     */
    FAIL,

    /**
     * Nobody saw whether or how the operation took effect; the checker gives it an unobserved
     * output. With the return time {@link Operation#NEVER} (a write that timed out, or failed after
     * it was proposed) it may have taken effect at any time after its invocation, or never. With a
     * known return time it took effect at some instant between its invocation and its return, or
     * never: use that for an operation that cannot take effect after the client stopped waiting,
     * such as a read that timed out (a read has no effect, so for the check it is as if it had not
     * happened), or a write to a server that, when it reports a timeout, has stopped the write for
     * good (it took effect before the report, or never will).
     */
    UNKNOWN
}
