/**
 * In-JVM providers of the test kit: a {@link dev.raftkit.testkit.memory.MemoryNetwork} with fault
 * injection and the {@code memory} transport on top of it.
 */
package dev.raftkit.testkit.memory;
