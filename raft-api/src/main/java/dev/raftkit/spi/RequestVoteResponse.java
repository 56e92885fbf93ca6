package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * Answers a {@link RequestVote}.
 *
 * @param from the voter
 * @param to the candidate
 * @param term the voter's term (for a granted pre-vote, the term asked about)
 * @param granted whether the vote is granted
 * @param preVote whether this answers a pre-vote
 */
public record RequestVoteResponse(NodeId from, NodeId to, long term, boolean granted, boolean preVote)
        implements RaftMessage {
}
