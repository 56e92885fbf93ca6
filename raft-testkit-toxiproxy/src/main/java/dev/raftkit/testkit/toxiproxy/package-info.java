/**
 * Network faults for real clusters with Toxiproxy: {@link dev.raftkit.testkit.toxiproxy.ToxiproxyNetwork}
 * puts a proxy in front of every directed link and offers faults by intent;
 * {@link dev.raftkit.testkit.toxiproxy.ToxiproxyExtension} runs Toxiproxy once per test class, in
 * Docker ({@link dev.raftkit.testkit.toxiproxy.ContainerToxiproxy}, image chosen by
 * {@link dev.raftkit.testkit.toxiproxy.ToxiproxyImage}) or in this JVM
 * ({@link dev.raftkit.testkit.toxiproxy.InProcessToxiproxy}).
 */
package dev.raftkit.testkit.toxiproxy;
