package dev.raftkit.testkit.sim;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The settings every simulation shares, whatever state machine it runs: cluster size, membership
 * changes, clients, and how long faults are injected. {@link Simulation.Builder} and
 * {@link StateMachineSimulation.Builder} extend it.
 *
 * @param <B> the concrete builder, returned by every setter for chaining
 */
public abstract class SimulationOptions<B extends SimulationOptions<B>> {

    /**
     * Default of {@link #clockDrift}: 4 %. Two clocks then differ in rate by a factor of at least
     * 0.96 / 1.04 = 0.923, within the default lease ratio 0.9, so lease reads must stay
     * linearizable.
     */
    public static final double DEFAULT_CLOCK_DRIFT = 0.04;

    private int nodes = 3;
    private int groupsPerHost = 1;
    private int spares;
    private int clients = 4;
    private Duration faultDuration = Duration.ofSeconds(6);
    private boolean faults = true;
    private final Map<String, String> engineOptions = new LinkedHashMap<>();
    private double clockDrift = DEFAULT_CLOCK_DRIFT;

    /** Only this package's builders extend it. */
    SimulationOptions() {
    }

    /** {@return this builder, as its concrete type} */
    abstract B self();

    /**
     * Sets the cluster size: how many nodes, or with {@link #groupsPerHost} above 1 how many hosts.
     * Default 3.
     *
     * @param nodes 1 to 9
     * @return this builder
     */
    public B nodes(int nodes) {
        if (nodes < 1 || nodes > 9) {
            throw new IllegalArgumentException("nodes must be 1..9, was " + nodes);
        }
        this.nodes = nodes;
        return self();
    }

    /**
     * Runs hosts that hold several groups instead of single nodes: {@link #nodes} hosts, started
     * through {@code Raft.host(..)}, each run a member of every one of {@code groupsPerHost} groups
     * (member ids differ between groups). Faults strike hosts: a crash or partition of a host hits
     * all of its groups; and one group's member is stopped on one host ({@code RaftHost.stopGroup})
     * and started again from its data while the host's other groups run on. Each group gets its own {@link #clients} and its own checks (every safety
     * invariant, liveness, convergence, equal states, the workload's checks, linearizability), and
     * the run checks that no message of one group is ever delivered to another. Default 1: one
     * group of single nodes, each seed running exactly as before this setting existed.
     *
     * @param groupsPerHost 1 to 64; above 1, {@link #spares} must be 0
     * @return this builder
     */
    public B groupsPerHost(int groupsPerHost) {
        if (groupsPerHost < 1 || groupsPerHost > 64) {
            throw new IllegalArgumentException("groupsPerHost must be 1..64, was " + groupsPerHost);
        }
        this.groupsPerHost = groupsPerHost;
        return self();
    }

    /**
     * Adds spare nodes and random membership changes: spares join (as voters, or as learners
     * later promoted) and members are removed for good, interleaved with every other fault,
     * keeping at least {@code nodes} voters. Default 0: the configuration never changes. Only
     * with {@link #groupsPerHost} 1.
     *
     * @param spares 0 to 8
     * @return this builder
     */
    public B spares(int spares) {
        if (spares < 0 || spares > 8) {
            throw new IllegalArgumentException("spares must be 0..8, was " + spares);
        }
        this.spares = spares;
        return self();
    }

    /**
     * Sets how many clients issue operations concurrently, in each group. Default 4.
     *
     * @param clients 1 to 64
     * @return this builder
     */
    public B clients(int clients) {
        if (clients < 1 || clients > 64) {
            throw new IllegalArgumentException("clients must be 1..64, was " + clients);
        }
        this.clients = clients;
        return self();
    }

    /**
     * Sets how long (virtual time) faults are injected before everything heals. Default 6 s.
     *
     * @param duration at least 1 s
     * @return this builder
     */
    public B faultDuration(Duration duration) {
        if (Objects.requireNonNull(duration, "duration").compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("faultDuration must be at least 1 s, was " + duration);
        }
        this.faultDuration = duration;
        return self();
    }

    /**
     * Turns fault injection on or off. Default on.
     *
     * @param faults whether to inject faults
     * @return this builder
     */
    public B faults(boolean faults) {
        this.faults = faults;
        return self();
    }

    /**
     * Passes an option to every node's {@code Config}, e.g. one of raft-core's test-only
     * mutation switches, to prove the simulation catches the bug it introduces.
     *
     * @param key the option key
     * @param value its value
     * @return this builder
     */
    public B engineOption(String key, String value) {
        engineOptions.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return self();
    }

    /**
     * Sets how far each node's clock rate may differ from real time: every incarnation's clock runs
     * at a seeded rate in {@code [1 - drift, 1 + drift]}, for its ticks and for the clock its read
     * lease is measured on. Default {@link #DEFAULT_CLOCK_DRIFT}, within what the default lease
     * ratio allows.
     *
     * @param drift 0 (perfect clocks) to 0.9
     * @return this builder
     */
    public B clockDrift(double drift) {
        if (!(drift >= 0 && drift <= 0.9)) {
            throw new IllegalArgumentException("clockDrift must be in [0, 0.9], was " + drift);
        }
        this.clockDrift = drift;
        return self();
    }

    /**
     * {@return the settings as set so far, for a simulation to keep}
     *
     * @throws IllegalArgumentException if spares are asked for with more than one group per host
     */
    Settings settings() {
        if (groupsPerHost > 1 && spares > 0) {
            throw new IllegalArgumentException("spares (membership changes) are simulated with one group only, not "
                    + "with groupsPerHost " + groupsPerHost);
        }
        return new Settings(nodes, groupsPerHost, spares, clients, faultDuration.toNanos(), faults,
                Map.copyOf(engineOptions), clockDrift);
    }

    /** The settings, frozen when a simulation is built. */
    record Settings(int nodes, int groupsPerHost, int spares, int clients, long faultNanos, boolean faults,
            Map<String, String> engineOptions, double clockDrift) {
    }
}
