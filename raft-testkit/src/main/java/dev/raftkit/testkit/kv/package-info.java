/** A small replicated key-value store for tests, simulations and examples. */
package dev.raftkit.testkit.kv;
