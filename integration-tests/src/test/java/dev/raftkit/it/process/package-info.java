/**
 * Nodes, or hosts of many groups, as separate JVM processes: their main classes and line protocol,
 * the cluster the test kills, restarts, freezes and resumes by pid, and the registry that makes
 * sure no child process outlives the test JVM.
 */
package dev.raftkit.it.process;
