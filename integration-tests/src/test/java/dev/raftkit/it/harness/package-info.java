/**
 * What the integration tests share: clusters in this JVM ({@link dev.raftkit.it.harness.LocalCluster})
 * behind one access interface ({@link dev.raftkit.it.harness.ClusterAccess}), the concurrent
 * key-value workload that records the history ({@link dev.raftkit.it.harness.KvWorkload}), the
 * status monitor, the checks every run ends with ({@link dev.raftkit.it.harness.RunChecks}) and
 * the fault report.
 */
package dev.raftkit.it.harness;
