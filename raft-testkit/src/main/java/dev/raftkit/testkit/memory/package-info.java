/**
 * In-JVM providers of the test kit: a {@link dev.raftkit.testkit.memory.MemoryNetwork} with fault
 * injection and the {@code memory} transport on top of it, the {@code memory} log store on
 * {@link dev.raftkit.testkit.memory.MemoryDisk}s, and their host forms for
 * {@link dev.raftkit.RaftHost}s: {@link dev.raftkit.testkit.memory.MemoryHostTransport} and
 * {@link dev.raftkit.testkit.memory.MemoryHostLogStore}.
 */
package dev.raftkit.testkit.memory;
