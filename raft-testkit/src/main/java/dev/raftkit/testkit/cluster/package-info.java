/**
 * Real-time clusters for tests: {@link dev.raftkit.testkit.cluster.LiveCluster}, which starts,
 * stops and cuts off engine nodes of this JVM on the memory providers or on named real ones, and
 * {@link dev.raftkit.testkit.cluster.RaftClusterExtension}, which gives each JUnit 5 test one.
 */
package dev.raftkit.testkit.cluster;
