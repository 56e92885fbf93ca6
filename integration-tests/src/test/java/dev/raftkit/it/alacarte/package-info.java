/**
 * A program that uses raft-api only and starts a cluster by provider names, run in child JVMs
 * whose class paths hold chosen combinations of modules.
 */
package dev.raftkit.it.alacarte;
