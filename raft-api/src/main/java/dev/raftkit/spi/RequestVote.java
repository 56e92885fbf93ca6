package dev.raftkit.spi;

import dev.raftkit.NodeId;

/**
 * Asks for a vote (Raft §5.2), or with {@code preVote} asks whether a vote would be granted
 * without anyone changing term (dissertation §9.6).
 *
 * @param from the candidate
 * @param to the voter
 * @param term the term the candidate campaigns for (for a pre-vote, the term it would use)
 * @param lastLogIndex the index of the candidate's last entry
 * @param lastLogTerm the term of the candidate's last entry
 * @param preVote whether this is a pre-vote
 * @param leadershipTransfer whether the leader asked for this election (TimeoutNow), so voters
 *     grant it even while they still hear from that leader
 */
public record RequestVote(NodeId from, NodeId to, long term, long lastLogIndex, long lastLogTerm,
        boolean preVote, boolean leadershipTransfer) implements RaftMessage {
}
