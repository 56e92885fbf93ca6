package dev.raftkit.testkit.linearizability;

/** The answer of a {@link LinearizabilityChecker}. */
public enum Verdict {

    /** An order of the operations exists that the model accepts, for every key. */
    LINEARIZABLE,

    /** For at least one key no such order exists: the system violated linearizability. */
    NOT_LINEARIZABLE,

    /**
     * The time budget ran out (or the checking thread was interrupted) before every key was decided,
     * and no key was found violated. Nothing was proven: callers must treat this as a failure, and
     * fix it by shortening the per-key histories (fewer operations or unknown outcomes per key) or
     * raising the budget, never by ignoring it.
     */
    UNKNOWN
}
