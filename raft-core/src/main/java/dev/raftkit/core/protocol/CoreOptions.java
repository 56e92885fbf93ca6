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
 * @param joinExisting whether the node waits for a configuration that includes it before voting
 * @param unsafeCommitPreviousTerm TEST ONLY: breaks Raft's Figure 8 rule by committing entries of
 *     earlier terms by counting replicas; exists so the simulator can prove it catches the bug
 * @param unsafeAckBeforeDurable TEST ONLY: sends votes and acknowledgements before they are
 *     durable; exists so the simulator can prove it catches the bug
 */
public record CoreOptions(int electionTimeoutMin, int electionTimeoutMax, int heartbeatInterval, boolean preVote,
        boolean checkQuorum, long maxAppendBytes, boolean joinExisting, boolean unsafeCommitPreviousTerm,
        boolean unsafeAckBeforeDurable) {

    /** Option key of {@link #unsafeCommitPreviousTerm()}. */
    public static final String UNSAFE_COMMIT_PREVIOUS_TERM = "raftkit.unsafe.commitPreviousTermEntries";
    /** Option key of {@link #unsafeAckBeforeDurable()}. */
    public static final String UNSAFE_ACK_BEFORE_DURABLE = "raftkit.unsafe.ackBeforeDurable";

    /** The byte budget of one AppendEntries message. */
    public static final long DEFAULT_MAX_APPEND_BYTES = 1 << 20;

    /** Derives the core's settings from a node's configuration. */
    public static CoreOptions of(Config config) {
        return new CoreOptions(config.electionTimeoutTicksMin(), config.electionTimeoutTicksMax(),
                config.heartbeatIntervalTicks(), config.preVote(), config.checkQuorum(), DEFAULT_MAX_APPEND_BYTES,
                config.joinExisting(), flag(config, UNSAFE_COMMIT_PREVIOUS_TERM), flag(config, UNSAFE_ACK_BEFORE_DURABLE));
    }

    private static boolean flag(Config config, String key) {
        return config.option(key).map(Boolean::parseBoolean).orElse(false);
    }
}
