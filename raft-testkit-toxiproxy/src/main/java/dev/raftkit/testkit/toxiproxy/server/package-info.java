/**
 * A Toxiproxy-compatible server using only the JDK: the Toxiproxy 2.x HTTP API and its TCP toxics,
 * for machines that cannot pull the official image and for fast in-process tests. Start it with
 * {@link dev.raftkit.testkit.toxiproxy.server.ToxiproxyServer}.
 */
package dev.raftkit.testkit.toxiproxy.server;
