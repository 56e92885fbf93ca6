/**
 * Nodes as separate JVM processes: the node's main class and its line protocol, the cluster the
 * test kills, restarts, freezes and resumes by pid, and the registry that makes sure no child
 * process outlives the test JVM.
 */
package dev.raftkit.it.process;
