package dev.raftkit.testkit.linearizability;

import java.util.Objects;
import java.util.Optional;

/**
 * One recorded client operation: what was asked, what came back and when.
 *
 * <p>Instances are normally produced by {@link History#operations()}; building them directly is
 * useful to check a history that was logged elsewhere. The interval
 * {@code [invokeTime, returnTime]} is closed: two operations whose intervals share an instant are
 * concurrent.
 *
 * @param id unique id of the operation within its history
 * @param process the single-threaded logical client that issued it
 * @param key the partition key; operations on different keys are checked independently
 * @param input what the client asked for
 * @param output what came back; present exactly when {@code outcome} is {@link Outcome#OK}
 * @param outcome how the operation ended
 * @param invokeTime clock reading taken before the request was sent
 * @param returnTime clock reading taken after the response was received; for an
 *     {@link Outcome#UNKNOWN} operation, {@link #NEVER} if it may still take effect at any later time,
 *     or the time after which it can no longer take effect
 * @param <I> the input type of the model
 * @param <O> the output type of the model
 */
public record Operation<I, O>(long id, int process, String key, I input, Optional<O> output, Outcome outcome,
        long invokeTime, long returnTime) {

    /** The return time of an operation whose outcome is unknown: it may take effect at any later time. */
    public static final long NEVER = Long.MAX_VALUE;

    /**
     * Validates the operation.
     *
     * @param id unique id of the operation within its history
     * @param process the single-threaded logical client that issued it
     * @param key the partition key; operations on different keys are checked independently
     * @param input what the client asked for
     * @param output what came back; present exactly when {@code outcome} is {@link Outcome#OK}
     * @param outcome how the operation ended
     * @param invokeTime clock reading taken before the request was sent
     * @param returnTime clock reading taken after the response was received; for an
     *     {@link Outcome#UNKNOWN} operation, {@link #NEVER} if it may still take effect at any later
     *     time, or the time after which it can no longer take effect
     * @throws NullPointerException if {@code key}, {@code input}, {@code output} or {@code outcome} is null
     * @throws IllegalArgumentException if the output does not match the outcome, if
     *     {@code returnTime < invokeTime}, or if the return time is {@link #NEVER} for an outcome other
     *     than {@link Outcome#UNKNOWN}
     */
    public Operation {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(outcome, "outcome");
        if (output.isPresent() != (outcome == Outcome.OK)) {
            throw new IllegalArgumentException("operation #" + id + ": an output is recorded exactly for OK "
                    + "operations, but outcome is " + outcome + " and output is " + output);
        }
        if (returnTime < invokeTime) {
            throw new IllegalArgumentException("operation #" + id + ": return time " + returnTime
                    + " is before invoke time " + invokeTime);
        }
        if (returnTime == NEVER && outcome != Outcome.UNKNOWN) {
            throw new IllegalArgumentException("operation #" + id + ": only an UNKNOWN operation may have the "
                    + "return time Operation.NEVER, but outcome is " + outcome);
        }
    }

    /**
     * Returns a one-line description such as {@code #7 p2 "x" put(v1) -> ok [120, 135]}, used in
     * checker reports.
     */
    @Override
    public String toString() {
        String result = switch (outcome) {
            case OK -> "-> " + output.orElseThrow();
            case FAIL -> "failed";
            case UNKNOWN -> "unknown";
        };
        String interval = returnTime == NEVER
                ? "[" + invokeTime + ", never]"
                : "[" + invokeTime + ", " + returnTime + "]";
        return "#" + id + " p" + process + " \"" + key + "\" " + input + " " + result + " " + interval;
    }
}
