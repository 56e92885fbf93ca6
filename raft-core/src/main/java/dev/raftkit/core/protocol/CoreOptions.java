package dev.raftkit.core.protocol;

import dev.raftkit.Config;
import dev.raftkit.NodeId;
import dev.raftkit.spi.AppendEntries;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.Transport;
import java.util.List;

/**
 * The settings the pure core uses, in ticks and bytes.
 *
 * @param electionTimeoutMin lower bound of the randomized election timeout, in ticks
 * @param electionTimeoutMax upper bound, in ticks
 * @param heartbeatInterval ticks between heartbeats
 * @param preVote whether to pre-vote before campaigning
 * @param checkQuorum whether a leader without an active quorum steps down
 * @param maxAppendBytes the byte budget of the entries of one AppendEntries message; a single entry
 *     larger than it still goes, alone
 * @param snapshotTrailingEntries how many entries before a snapshot's index stay in the log after
 *     compaction, so slightly lagging followers catch up from the log instead of a snapshot
 * @param snapshotChunkBytes the size of one InstallSnapshot chunk
 * @param unsafeCommitPreviousTerm TEST ONLY: breaks Raft's Figure 8 rule by committing entries of
 *     earlier terms by counting replicas; exists so the simulator can prove it catches the bug
 * @param unsafeAckBeforeDurable TEST ONLY: sends votes and acknowledgements before they are
 *     durable; exists so the simulator can prove it catches the bug
 * @param leaseNanos how long a leader's read lease lasts from the send time of a round a quorum
 *     acknowledged, on its monotonic clock; 0 disables lease reads (they always do a ReadIndex
 *     round). Leases are used only with {@code checkQuorum}
 * @param unsafeLeaseIgnoresExpiry TEST ONLY: a leader serves lease reads from a lease that expired;
 *     exists so the simulator can prove it catches the bug
 * @param quiesce whether an idle group stops ticking: a caught-up leader with nothing to do tells
 *     its members so in its last heartbeat and stops heartbeating, and they stop their election
 *     clocks, until any input or the host wakes them (see {@link RaftCore#quiescent()}). Only the
 *     groups of a host quiesce, since only a host watches its peers' liveness; false for a single node
 */
public record CoreOptions(int electionTimeoutMin, int electionTimeoutMax, int heartbeatInterval, boolean preVote,
        boolean checkQuorum, long maxAppendBytes, long snapshotTrailingEntries,
        int snapshotChunkBytes, boolean unsafeCommitPreviousTerm,
        boolean unsafeAckBeforeDurable, long leaseNanos, boolean unsafeLeaseIgnoresExpiry, boolean quiesce) {

    /**
     * The settings of a group that never quiesces; see the canonical constructor for the parameters.
     */
    public CoreOptions(int electionTimeoutMin, int electionTimeoutMax, int heartbeatInterval, boolean preVote,
            boolean checkQuorum, long maxAppendBytes, long snapshotTrailingEntries, int snapshotChunkBytes,
            boolean unsafeCommitPreviousTerm, boolean unsafeAckBeforeDurable, long leaseNanos,
            boolean unsafeLeaseIgnoresExpiry) {
        this(electionTimeoutMin, electionTimeoutMax, heartbeatInterval, preVote, checkQuorum, maxAppendBytes,
                snapshotTrailingEntries, snapshotChunkBytes, unsafeCommitPreviousTerm, unsafeAckBeforeDurable,
                leaseNanos, unsafeLeaseIgnoresExpiry, false);
    }

    /**
     * The settings without read leases (lease reads always do a ReadIndex round); see the canonical
     * constructor for the parameters.
     */
    public CoreOptions(int electionTimeoutMin, int electionTimeoutMax, int heartbeatInterval, boolean preVote,
            boolean checkQuorum, long maxAppendBytes, long snapshotTrailingEntries, int snapshotChunkBytes,
            boolean unsafeCommitPreviousTerm, boolean unsafeAckBeforeDurable) {
        this(electionTimeoutMin, electionTimeoutMax, heartbeatInterval, preVote, checkQuorum, maxAppendBytes,
                snapshotTrailingEntries, snapshotChunkBytes, unsafeCommitPreviousTerm, unsafeAckBeforeDurable, 0, false);
    }

    /**
     * Returns these settings with quiescence on or off; a host turns it on for its groups.
     *
     * @param on whether idle groups quiesce (see {@link #quiesce()})
     * @return the settings, with every other value unchanged
     */
    public CoreOptions withQuiesce(boolean on) {
        return new CoreOptions(electionTimeoutMin, electionTimeoutMax, heartbeatInterval, preVote, checkQuorum,
                maxAppendBytes, snapshotTrailingEntries, snapshotChunkBytes, unsafeCommitPreviousTerm,
                unsafeAckBeforeDurable, leaseNanos, unsafeLeaseIgnoresExpiry, on);
    }

    /** Option key of {@link #unsafeCommitPreviousTerm()}. */
    public static final String UNSAFE_COMMIT_PREVIOUS_TERM = "raftkit.unsafe.commitPreviousTermEntries";
    /** Option key of {@link #unsafeAckBeforeDurable()}. */
    public static final String UNSAFE_ACK_BEFORE_DURABLE = "raftkit.unsafe.ackBeforeDurable";
    /** Option key of {@link #unsafeLeaseIgnoresExpiry()}. */
    public static final String UNSAFE_LEASE_IGNORES_EXPIRY = "raftkit.unsafe.leaseIgnoresExpiry";

    /**
     * The byte budget of the entries of one AppendEntries message, when the transport carries at
     * least twice as much; otherwise half of what it carries, which leaves the other half for the
     * framing of many small entries (an encoding may spend more per entry than
     * {@link LogEntry#sizeBytes()} counts).
     */
    public static final long DEFAULT_MAX_APPEND_BYTES = 1 << 20;
    /** The default of {@link #SNAPSHOT_CHUNK_BYTES}, likewise capped at half the transport's limit. */
    public static final int DEFAULT_SNAPSHOT_CHUNK_BYTES = 1 << 20;
    /** Option key of {@link #snapshotTrailingEntries()}; default 1024. */
    public static final String SNAPSHOT_TRAILING_ENTRIES = "raftkit.snapshot.trailingEntries";
    /** Option key of {@link #snapshotChunkBytes()}; default 1 MiB, capped at half the transport's limit. */
    public static final String SNAPSHOT_CHUNK_BYTES = "raftkit.snapshot.chunkBytes";

    /**
     * Derives the core's settings from a node's configuration and its transport's size limit.
     *
     * @param config the node's configuration
     * @param transportMaxMessageBytes the transport's {@link Transport#maxMessageBytes()}
     * @return the settings
     * @throws IllegalArgumentException naming the option when a {@code raftkit.snapshot.*} value is
     *     invalid, or naming {@code maxCommandBytes} and the transport's limit when a command of
     *     {@code maxCommandBytes} would not fit in one message
     */
    public static CoreOptions of(Config config, long transportMaxMessageBytes) {
        long maxMessageBytes = transportMaxMessageBytes - Transport.ENVELOPE_RESERVE_BYTES;
        long oneCommand = oneCommandMessageBytes(config.maxCommandBytes());
        if (oneCommand > maxMessageBytes) {
            throw new IllegalArgumentException("maxCommandBytes (" + config.maxCommandBytes() + ") does not fit in one "
                    + "message of the transport (" + config.transport().orElse("default") + "): an AppendEntries of "
                    + "one such command takes " + oneCommand + " bytes, but the transport's maxMessageBytes ("
                    + transportMaxMessageBytes + ", e.g. grpc.maxMessageBytes) leaves " + maxMessageBytes
                    + " after " + Transport.ENVELOPE_RESERVE_BYTES + " reserved for its envelope; lower "
                    + "maxCommandBytes or raise the transport's limit");
        }
        long half = maxMessageBytes / 2;
        long chunkBytes = number(config, SNAPSHOT_CHUNK_BYTES, DEFAULT_SNAPSHOT_CHUNK_BYTES, 1);
        return new CoreOptions(config.electionTimeoutTicksMin(), config.electionTimeoutTicksMax(),
                config.heartbeatIntervalTicks(), config.preVote(), config.checkQuorum(),
                Math.min(DEFAULT_MAX_APPEND_BYTES, half), number(config, SNAPSHOT_TRAILING_ENTRIES, 1024, 0),
                (int) Math.min(chunkBytes, half), flag(config, UNSAFE_COMMIT_PREVIOUS_TERM),
                flag(config, UNSAFE_ACK_BEFORE_DURABLE), leaseNanos(config), flag(config, UNSAFE_LEASE_IGNORES_EXPIRY),
                false);
    }

    /**
     * The lease: {@code electionTimeoutMin} ticks less one (a follower's timer may count its first
     * tick at once after it heard the leader), times {@code leaseRatio}.
     */
    private static long leaseNanos(Config config) {
        long window = (config.electionTimeoutTicksMin() - 1L) * config.tickInterval().toNanos();
        return (long) (window * config.leaseRatio());
    }

    /** {@return the {@code sizeBytes()} of an AppendEntries carrying one command of {@code commandBytes}} */
    private static long oneCommandMessageBytes(int commandBytes) {
        NodeId anyone = NodeId.of("x");
        LogEntry empty = new LogEntry(1, 1, EntryKind.COMMAND, new byte[0]);
        return new AppendEntries(anyone, anyone, 1, 0, 0, List.of(empty), 0).sizeBytes() + commandBytes;
    }

    private static long number(Config config, String key, long defaultValue, long min) {
        String text = config.option(key).orElse(null);
        if (text == null) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be a whole number, was \"" + text + "\"", e);
        }
        if (value < min || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("option " + key + " must be in [" + min + ", " + Integer.MAX_VALUE
                    + "], was " + value);
        }
        return value;
    }

    private static boolean flag(Config config, String key) {
        return config.option(key).map(Boolean::parseBoolean).orElse(false);
    }
}
