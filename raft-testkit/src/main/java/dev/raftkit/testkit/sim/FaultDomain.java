package dev.raftkit.testkit.sim;

import dev.raftkit.testkit.memory.MemoryNetwork;
import java.util.List;
import java.util.Set;

/**
 * What the {@link Nemesis} strikes: the nodes of a {@link SimCluster} (by node id), or the hosts
 * of {@link SimHosts} (by address, so that a fault of a host hits every group it runs).
 *
 * @param <K> how a target is named
 */
interface FaultDomain<K> {

    /** {@return the network the targets talk through, for its probabilistic faults} */
    MemoryNetwork network();

    /** {@return every target that may run, in a stable order} */
    List<K> targets();

    /**
     * Cuts every link between {@code a} and {@code b}, replacing the previous partition.
     *
     * @param a one side
     * @param b the other side
     */
    void partition(Set<K> a, Set<K> b);

    /**
     * Cuts every link to and from {@code target}.
     *
     * @param target the target
     */
    void isolate(K target);

    /**
     * Cuts the one-way link from {@code from} to {@code to}.
     *
     * @param from the sender
     * @param to the receiver
     */
    void block(K from, K to);

    /**
     * Tells whether a target runs.
     *
     * @param target the target
     * @return whether it runs
     */
    boolean isUp(K target);

    /**
     * Crashes a target: its pending work, including persists not yet done, is lost.
     *
     * @param target the target
     */
    void crash(K target);

    /**
     * Starts (or restarts) a target from its disk; does nothing if it runs or may not run.
     *
     * @param target the target
     */
    void start(K target);
}
