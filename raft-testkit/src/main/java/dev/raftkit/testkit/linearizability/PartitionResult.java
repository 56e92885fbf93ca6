package dev.raftkit.testkit.linearizability;

import java.util.Optional;

/**
 * The verdict for one key's history.
 *
 * @param key the key
 * @param verdict the verdict for this key alone
 * @param violation why the key is not linearizable; present exactly for {@link Verdict#NOT_LINEARIZABLE}
 * @param undecidedReason why the search gave up, for {@link Verdict#UNKNOWN}; empty otherwise
 * @param <I> the input type of the model
 * @param <O> the output type of the model
 */
record PartitionResult<I, O>(String key, Verdict verdict, Optional<Violation<I, O>> violation,
        String undecidedReason) {

    static <I, O> PartitionResult<I, O> linearizable(String key) {
        return new PartitionResult<>(key, Verdict.LINEARIZABLE, Optional.empty(), "");
    }

    static <I, O> PartitionResult<I, O> undecided(String key, String reason) {
        return new PartitionResult<>(key, Verdict.UNKNOWN, Optional.empty(), reason);
    }

    static <I, O> PartitionResult<I, O> violated(Violation<I, O> violation) {
        return new PartitionResult<>(violation.key(), Verdict.NOT_LINEARIZABLE, Optional.of(violation), "");
    }
}
