package dev.raftkit.testkit.sim;

/**
 * What a passing simulation did.
 *
 * @param seed the seed
 * @param events how many events ran
 * @param operations how many client operations were recorded
 * @param okOperations how many of them completed successfully
 * @param leaderTerms how many terms had a leader
 * @param appliedIndexes how many log indexes held an applied command
 */
public record SimulationReport(long seed, long events, int operations, int okOperations, int leaderTerms,
        int appliedIndexes) {
}
