package dev.raftkit.testkit.sim;

import dev.raftkit.Codec;
import dev.raftkit.NodeId;
import dev.raftkit.NodeListener;
import dev.raftkit.NodeStatus;
import dev.raftkit.Role;
import dev.raftkit.SessionId;
import dev.raftkit.StateMachine;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.testkit.memory.MemoryDisk;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks Raft's safety properties while a simulation runs (RELIABILITY.md §2.4):
 * <ul>
 *   <li>election safety: at most one leader per term;</li>
 *   <li>state machine safety: every node applies the same command at the same index, each index
 *       once per incarnation, in order;</li>
 *   <li>leader completeness: a new leader's durable log holds every command applied anywhere at
 *       the indexes it has;</li>
 *   <li>committed on a quorum: an index a leader reports committed is durably on enough voters'
 *       disks (with the same term as on the leader's) that every majority of the voters includes
 *       one of them;</li>
 *   <li>monotonicity: a node's term never decreases (across restarts too); its commit and applied
 *       indexes never decrease within an incarnation; applied never exceeds commit;</li>
 *   <li>exactly once: a write sent through a session, however often it was retried and on whichever
 *       nodes, applies at one index only (every node applies it there, across crashes, snapshot
 *       installs and membership changes, by state machine safety).</li>
 * </ul>
 * The hooks run inside engine callbacks (listeners, apply), which must not throw, so a broken
 * property is recorded and {@link #check()}, called by the event loop after every event, throws it.
 * Commands are compared by their encoded form, so a command type needs no {@code equals}.
 *
 * @param <C> the command type of the simulated state machine
 */
final class SafetyMonitor<C> {

    private final Codec<C> codec;

    private final Map<Long, NodeId> leaderOfTerm = new HashMap<>();
    /** Index to the command applied there, by whichever node applied it first. */
    private final Map<Long, C> applied = new TreeMap<>();
    private final Map<NodeId, Long> lastApplied = new HashMap<>();
    private final Map<NodeId, Long> lastTerm = new HashMap<>();
    private final Map<NodeId, Long> lastCommit = new HashMap<>();
    private long maxAppliedIndex;
    /** Commands written through sessions, by encoded form, to the (session, sequence) they were sent as. */
    private final Map<ByteBuffer, String> sessionWrites = new HashMap<>();
    /** The index at which each session write applied first. */
    private final Map<ByteBuffer, Long> sessionWriteIndex = new HashMap<>();
    private String violation;

    /**
     * @param codec the command codec, to read commands from logs and compare them
     */
    SafetyMonitor(Codec<C> codec) {
        this.codec = codec;
    }

    /** Throws the first recorded violation, if any. */
    void check() {
        if (violation != null) {
            throw new SafetyViolation(violation);
        }
    }

    /** Records a violation found outside the monitor, e.g. a node that died. */
    void violate(String message) {
        if (violation == null) {
            violation = message;
        }
    }

    /**
     * A node starts a new incarnation (first start or restart) from a disk whose durable term is
     * {@code durableTerm}: its apply sequence restarts, and its term may fall back to the durable
     * one. A status reports the term the node holds in memory, which it may hold before persisting
     * it (a follower that heard a higher term answers only once it is durable); a crash in between
     * loses it, as Raft allows. Within an incarnation the term never goes back.
     */
    void incarnation(NodeId node, long durableTerm) {
        lastApplied.put(node, 0L);
        lastCommit.put(node, 0L);
        lastTerm.put(node, durableTerm);
    }

    /**
     * Wraps a node's state machine so that every command it applies is reported to {@link #onApply}.
     *
     * @param node the node the state machine runs on
     * @param state the state machine
     * @param <R> its response type
     * @return the state machine to hand the engine
     */
    <R> StateMachine<C, R> watching(NodeId node, StateMachine<C, R> state) {
        return new StateMachine<>() {
            @Override
            public R apply(long index, C command) {
                onApply(node, index, command);
                return state.apply(index, command);
            }

            @Override
            public void writeSnapshot(OutputStream out) throws IOException {
                state.writeSnapshot(out);
            }

            @Override
            public void restoreSnapshot(InputStream in) throws IOException {
                state.restoreSnapshot(in);
            }
        };
    }

    /** A node applied {@code command} at {@code index}. */
    void onApply(NodeId node, long index, C command) {
        long previous = lastApplied.getOrDefault(node, 0L);
        if (index <= previous) {
            violate(node + " applied index " + index + " after " + previous
                    + " (an entry applied twice or out of order)");
            return;
        }
        lastApplied.put(node, index);
        C first = applied.putIfAbsent(index, command);
        if (first != null && !same(first, command)) {
            violate("state machine safety: index " + index + " applied as " + first
                    + " on one node and as " + command + " on " + node);
        }
        maxAppliedIndex = Math.max(maxAppliedIndex, index);
        checkAppliedOnce(node, index, command);
    }

    /**
     * A client sends {@code command} as {@code sequence} of {@code session} (the first attempt or a
     * retry); the workload's commands are unique per write.
     */
    void onSessionWrite(SessionId session, long sequence, C command) {
        sessionWrites.putIfAbsent(ByteBuffer.wrap(codec.encode(command)), session + " sequence " + sequence);
    }

    private void checkAppliedOnce(NodeId node, long index, C command) {
        ByteBuffer key = ByteBuffer.wrap(codec.encode(command));
        String write = sessionWrites.get(key);
        if (write == null) {
            return;
        }
        Long first = sessionWriteIndex.putIfAbsent(key, index);
        if (first != null && first != index) {
            violate("exactly once: " + write + " (" + command + ") applied at index " + first + " and again at index "
                    + index + " on " + node);
        }
    }

    /**
     * {@return a listener that reports a node's role changes to {@link #onRole}}
     *
     * @param node the node
     * @param disk its disk, where a new leader's log is read
     */
    NodeListener roles(NodeId node, MemoryDisk disk) {
        return new NodeListener() {
            @Override
            public void onRoleChange(Role role, long term) {
                onRole(node, role, term, disk);
            }
        };
    }

    /** A node reports a role in a term. */
    void onRole(NodeId node, Role role, long term, MemoryDisk disk) {
        if (role != Role.LEADER) {
            return;
        }
        NodeId other = leaderOfTerm.putIfAbsent(term, node);
        if (other != null && !other.equals(node)) {
            violate("election safety: both " + other + " and " + node + " led term " + term);
        }
        checkLeaderCompleteness(node, term, disk);
    }

    private void checkLeaderCompleteness(NodeId node, long term, MemoryDisk disk) {
        long upTo = Math.min(maxAppliedIndex, disk.lastIndex());
        long from = Math.max(disk.firstIndex(), 1);
        if (from > upTo) {
            return;
        }
        List<LogEntry> entries;
        try {
            entries = disk.entries(from, upTo + 1, Long.MAX_VALUE);
        } catch (IOException e) {
            violate("cannot read the log of leader " + node + ": " + e.getMessage());
            return;
        }
        for (LogEntry e : entries) {
            C committed = applied.get(e.index());
            if (committed == null) {
                continue;
            }
            if (!holds(e, committed)) {
                violate("leader completeness: " + node + " leads term " + term + " but holds " + describe(e)
                        + " at index " + e.index() + " where " + committed + " was applied");
            }
        }
    }

    /** Checks a node's status against what it reported before. */
    void onStatus(NodeStatus status) {
        NodeId node = status.id();
        long term = lastTerm.getOrDefault(node, 0L);
        if (status.term() < term) {
            violate(node + "'s term went back from " + term + " to " + status.term());
        }
        lastTerm.put(node, status.term());
        long commit = lastCommit.getOrDefault(node, 0L);
        if (status.commitIndex() < commit) {
            violate(node + "'s commit index went back from " + commit + " to "
                    + status.commitIndex());
        }
        lastCommit.put(node, status.commitIndex());
        if (status.appliedIndex() > status.commitIndex()) {
            violate(node + " applied " + status.appliedIndex() + " beyond its commit index "
                    + status.commitIndex());
        }
    }

    /**
     * Checks that the leader's commit index is durable on a majority of voters.
     *
     * @param leader the leader's id
     * @param leaderDisk its disk (a leader being removed is no longer among the voters)
     * @param commitIndex its commit index
     * @param disks the disks of the voters of its configuration
     */
    void checkCommitDurable(NodeId leader, MemoryDisk leaderDisk, long commitIndex, Map<NodeId, MemoryDisk> disks) {
        if (commitIndex == 0) {
            return;
        }
        LogEntry reference = entryAt(leaderDisk, commitIndex);
        if (reference == null) {
            // A leader may have learned this commit index as a follower, before its own copy of the
            // entry was durable; the entry is on the quorum that committed it, checked once it lands here.
            return;
        }
        int holders = 0;
        for (MemoryDisk disk : disks.values()) {
            LogEntry e = entryAt(disk, commitIndex);
            // An index compacted away is covered by a snapshot, which holds only committed entries.
            if (commitIndex < disk.firstIndex() || e != null && e.term() == reference.term()) {
                holders++;
            }
        }
        // Every election quorum of the current voters must meet a holder, or a leader without the
        // entry could be elected. Without a configuration change that means a majority holds it;
        // right after a single-server change (the entry committed under the configuration before
        // it), an even-sized configuration may have exactly half as holders, which still meets
        // every majority.
        int voters = disks.size();
        int majority = voters / 2 + 1;
        if (holders + majority <= voters) {
            violate("committed on a quorum: leader " + leader + " reports commit index " + commitIndex
                    + " but only " + holders + " of " + voters + " voters hold it durably, so a majority of "
                    + majority + " without it could elect a leader that lacks it");
        }
    }

    private static LogEntry entryAt(MemoryDisk disk, long index) {
        if (index < disk.firstIndex() || index > disk.lastIndex()) {
            return null;
        }
        try {
            return disk.entries(index, index + 1, Long.MAX_VALUE).get(0);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Tells whether {@code entry} holds {@code command}: a command entry is its encoded form; a
     * session write (raft-core's SESSION format) ends with it, after the engine's header.
     */
    private boolean holds(LogEntry entry, C command) {
        byte[] encoded = codec.encode(command);
        byte[] payload = entry.payload();
        return switch (entry.kind()) {
            case COMMAND -> Arrays.equals(payload, encoded);
            case SESSION -> payload.length >= encoded.length && Arrays.equals(payload, payload.length - encoded.length,
                    payload.length, encoded, 0, encoded.length);
            default -> false;
        };
    }

    private String describe(LogEntry entry) {
        return entry.kind() == EntryKind.COMMAND ? String.valueOf(codec.decode(entry.payload())) : entry.toString();
    }

    /** Tells whether two commands are the same, by their encoded form. */
    private boolean same(C a, C b) {
        return Arrays.equals(codec.encode(a), codec.encode(b));
    }

    /** Returns the commands applied anywhere, by index. */
    Map<Long, C> applied() {
        return applied;
    }

    /** Returns how many terms had a leader. */
    int leaderTerms() {
        return leaderOfTerm.size();
    }
}
