package dev.raftkit.testkit.sim;

/**
 * A simulation found a broken property. The message names the seed, the property, and the last
 * faults injected; {@code -Draftkit.sim.seed=<seed>} replays the run exactly.
 */
public final class SimulationFailure extends AssertionError {

    /** Serialization version. */
    private static final long serialVersionUID = 1L;

    /** The seed that replays the failing run. */
    private final long seed;

    /**
     * @param seed the failing seed
     * @param message what broke
     * @param cause the violation
     */
    public SimulationFailure(long seed, String message, Throwable cause) {
        super(message, cause);
        this.seed = seed;
    }

    /** {@return the seed that reproduces the failure} */
    public long seed() {
        return seed;
    }
}
