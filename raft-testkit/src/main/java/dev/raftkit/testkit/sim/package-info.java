/**
 * The deterministic cluster simulator: real Raftkit engines in virtual time on one thread, with
 * seeded faults, safety invariants checked after every event, and a linearizability check of the
 * client history. Start with {@link dev.raftkit.testkit.sim.Simulation}.
 */
package dev.raftkit.testkit.sim;
