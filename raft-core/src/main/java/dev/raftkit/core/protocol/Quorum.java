package dev.raftkit.core.protocol;

import dev.raftkit.NodeId;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Majority arithmetic over one set of voters: which index a majority holds, whether an election
 * is won or lost.
 */
final class Quorum {

    private Quorum() {
    }

    /** Returns how many voters make a majority. */
    static int majority(int voters) {
        return voters / 2 + 1;
    }

    /**
     * Returns the highest value that at least a majority of voters has reached, e.g. the highest
     * log index a majority holds.
     */
    static long committedValue(Set<NodeId> voters, ToLongFunction<NodeId> valueOf) {
        long[] values = new long[voters.size()];
        int i = 0;
        for (NodeId id : voters) {
            values[i++] = valueOf.applyAsLong(id);
        }
        Arrays.sort(values);
        // Sorted ascending: the value at position n - majority is reached by a majority.
        return values[values.length - majority(values.length)];
    }

    /** Outcome of a vote count. */
    enum VoteResult { PENDING, WON, LOST }

    /** Counts votes: granted (true), rejected (false), absent (not yet answered). */
    static VoteResult tally(Set<NodeId> voters, Map<NodeId, Boolean> votes) {
        int granted = 0;
        int rejected = 0;
        for (NodeId id : voters) {
            Boolean vote = votes.get(id);
            if (vote == null) {
                continue;
            }
            if (vote) {
                granted++;
            } else {
                rejected++;
            }
        }
        int needed = majority(voters.size());
        if (granted >= needed) {
            return VoteResult.WON;
        }
        return rejected > voters.size() - needed ? VoteResult.LOST : VoteResult.PENDING;
    }
}
