/**
 * Service provider interfaces: what a log store, a transport or an engine implements to plug into
 * Raftkit, and the values they exchange. Users of Raftkit need nothing from this package unless
 * they write a provider; raft-testkit's conformance kits check providers against these contracts.
 */
package dev.raftkit.spi;
