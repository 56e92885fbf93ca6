package dev.raftkit.testkit.linearizability;

/**
 * How a recorded operation ended, as far as the client could tell.
 *
 * <p>Classifying outcomes correctly is the caller's job and the most common source of false
 * results: an error that leaves it open whether the operation took effect (a timeout, a lost
 * connection after sending, a leader lost after the proposal) is {@link #UNKNOWN}, never
 * {@link #FAIL}.
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
     * The operation may have taken effect at any time after its invocation, or never. The checker
     * gives it a return time of +infinity and an unobserved output.
     */
    UNKNOWN
}
