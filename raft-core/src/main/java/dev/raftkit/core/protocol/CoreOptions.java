package dev.raftkit.core.protocol;

import dev.raftkit.Config;

/**
 * The settings the pure core uses, in ticks and bytes.
 *
 * @param electionTimeoutMin lower bound of the randomized election timeout, in ticks
 * @param electionTimeoutMax upper bound, in ticks
 * @param heartbeatInterval ticks between heartbeats
 * @param preVote whether to pre-vote before campaigning
 * @param checkQuorum whether a leader without an active quorum steps down
 * @param maxAppendBytes the byte budget of one AppendEntries message
 * @param snapshotTrailingEntries how many entries before a snapshot's index stay in the log after
 *     compaction, so slightly lagging followers catch up from the log instead of a snapshot
 * @param snapshotChunkBytes the size of one InstallSnapshot chunk
 * @param unsafeCommitPreviousTerm TEST ONLY: breaks Raft's Figure 8 rule by committing entries of
 *     earlier terms by counting replicas; exists so the simulator can prove it catches the bug
 * @param unsafeAckBeforeDurable TEST ONLY: sends votes and acknowledgements before they are
 *     durable; exists so the simulator can prove it catches the bug
 */
public record CoreOptions(int electionTimeoutMin, int electionTimeoutMax, int heartbeatInterval, boolean preVote,
        boolean checkQuorum, long maxAppendBytes, long snapshotTrailingEntries,
        int snapshotChunkBytes, boolean unsafeCommitPreviousTerm,
        boolean unsafeAckBeforeDurable) {

    /** Option key of {@link #unsafeCommitPreviousTerm()}. */
    public static final String UNSAFE_COMMIT_PREVIOUS_TERM = "raftkit.unsafe.commitPreviousTermEntries";
    /** Option key of {@link #unsafeAckBeforeDurable()}. */
    public static final String UNSAFE_ACK_BEFORE_DURABLE = "raftkit.unsafe.ackBeforeDurable";

    /** The byte budget of one AppendEntries message. */
    public static final long DEFAULT_MAX_APPEND_BYTES = 1 << 20;
    /** Option key of {@link #snapshotTrailingEntries()}; default 1024. */
    public static final String SNAPSHOT_TRAILING_ENTRIES = "raftkit.snapshot.trailingEntries";
    /** Option key of {@link #snapshotChunkBytes()}; default 1 MiB. */
    public static final String SNAPSHOT_CHUNK_BYTES = "raftkit.snapshot.chunkBytes";

    /**
     * Derives the core's settings from a node's configuration.
     *
     * @param config the node's configuration
     * @return the settings
     * @throws IllegalArgumentException naming the option when a {@code raftkit.snapshot.*} value is invalid
     */
    public static CoreOptions of(Config config) {
        return new CoreOptions(config.electionTimeoutTicksMin(), config.electionTimeoutTicksMax(),
                config.heartbeatIntervalTicks(), config.preVote(), config.checkQuorum(), DEFAULT_MAX_APPEND_BYTES,
                number(config, SNAPSHOT_TRAILING_ENTRIES, 1024, 0),
                (int) number(config, SNAPSHOT_CHUNK_BYTES, 1 << 20, 1), flag(config, UNSAFE_COMMIT_PREVIOUS_TERM),
                flag(config, UNSAFE_ACK_BEFORE_DURABLE));
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
