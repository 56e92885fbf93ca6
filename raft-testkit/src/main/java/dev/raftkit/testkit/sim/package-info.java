/**
 * The deterministic cluster simulator: real Raftkit engines in virtual time on one thread, with
 * seeded faults, safety invariants checked after every event, and a linearizability check of the
 * client history. {@link dev.raftkit.testkit.sim.StateMachineSimulation} runs your own state
 * machine, command generator and {@link dev.raftkit.testkit.sim.StateMachineModel model};
 * {@link dev.raftkit.testkit.sim.Simulation} runs the test kit's key-value store. With
 * {@link dev.raftkit.testkit.sim.SimulationOptions#groupsPerHost} above 1 either runs hosts that
 * hold several groups, with faults that strike hosts and every group checked on its own.
 */
package dev.raftkit.testkit.sim;
