package dev.raftkit.testkit.sim;

/** A Raft safety property that a simulated run broke. */
public final class SafetyViolation extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message which property, where and when
     */
    public SafetyViolation(String message) {
        super(message);
    }
}
