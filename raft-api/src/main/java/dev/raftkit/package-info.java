/**
 * Raftkit's public API: configure a node with {@link dev.raftkit.Config}, start it with
 * {@link dev.raftkit.Raft}, and use it through {@link dev.raftkit.Node}. The user supplies a
 * {@link dev.raftkit.StateMachine} and a {@link dev.raftkit.Codec}; storage and transport are
 * chosen from the providers on the class path.
 */
package dev.raftkit;
