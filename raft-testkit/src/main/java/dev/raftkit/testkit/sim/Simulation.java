package dev.raftkit.testkit.sim;

/**
 * A deterministic simulation of a Raft cluster running the test kit's key-value store: N real
 * engines (the same driver and applier code as production) on one thread in virtual time, a random
 * client workload of puts, compare-and-sets and linearizable reads, and seeded faults (partitions
 * of any shape, one-way loss, message loss, duplication, delay and reordering, crashes that lose
 * un-persisted writes, restarts). Safety invariants are checked after every event; at the end
 * every fault is healed and the run checks that the cluster recovers, that all nodes converge to
 * the same state, that no acknowledged write was lost, and that the client history is
 * linearizable. To put your own state machine through the same run, use
 * {@link StateMachineSimulation}; to run hosts that each hold a member of several groups, set
 * {@link SimulationOptions#groupsPerHost}.
 *
 * <p>Everything derives from the seed, so a failing seed replays exactly:
 *
 * <pre>{@code
 * SimulationReport report = Simulation.builder(seed).nodes(5).build().run(); // throws SimulationFailure
 * }</pre>
 */
public final class Simulation {

    private final long seed;
    private final int keys;
    private final SimulationOptions.Settings settings;

    private Simulation(Builder b) {
        this.seed = b.seed;
        this.keys = b.keys;
        this.settings = b.settings();
    }

    /**
     * Starts describing a simulation.
     *
     * @param seed every random choice of the run derives from it
     * @return a builder with 3 nodes, 4 clients, 3 keys, 6 s of faults
     */
    public static Builder builder(long seed) {
        return new Builder(seed);
    }

    /**
     * Runs the simulation.
     *
     * @return what happened
     * @throws SimulationFailure naming the seed, the broken property and the last faults injected
     */
    public SimulationReport run() {
        return new SimulationRun<>(seed, settings, () -> new KvWorkload(keys)).run();
    }

    /** Describes a simulation. */
    public static final class Builder extends SimulationOptions<Builder> {
        private final long seed;
        private int keys = 3;

        private Builder(long seed) {
            this.seed = seed;
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Sets how many keys the clients share at a time (keys rotate every second of virtual time).
         * Default 3; fewer keys mean more contention.
         *
         * @param keys 1 to 100
         * @return this builder
         */
        public Builder keys(int keys) {
            if (keys < 1 || keys > 100) {
                throw new IllegalArgumentException("keys must be 1..100, was " + keys);
            }
            this.keys = keys;
            return this;
        }

        /** {@return the simulation} */
        public Simulation build() {
            return new Simulation(this);
        }
    }
}
