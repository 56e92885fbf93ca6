package dev.raftkit.it.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The seed of one fault run and the faults it applied, with their times, printed when the run
 * fails. The seed fixes every choice (which fault, which node relative to the leader, how long);
 * a real cluster's timing still varies between runs, so a seed reproduces the schedule's shape, not
 * the exact interleaving.
 *
 * <p>Set the system property {@value #SEED_PROPERTY} to run with a given seed. Thread-safe.
 */
public final class FaultSchedule {

    /** The system property that fixes the seed. */
    public static final String SEED_PROPERTY = "raftkit.it.seed";

    private final long seed;
    private final Random random;
    private final long startNanos = System.nanoTime();
    private final List<String> steps = new ArrayList<>();

    private FaultSchedule(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** Returns a schedule seeded by {@value #SEED_PROPERTY}, or by the clock when it is not set. */
    public static FaultSchedule seeded() {
        String fixed = System.getProperty(SEED_PROPERTY);
        return new FaultSchedule(fixed == null || fixed.isBlank() ? System.nanoTime() : Long.parseLong(fixed.trim()));
    }

    /** Returns the seed. */
    public long seed() {
        return seed;
    }

    /** Returns the random source of the fault choices; use it from one thread only. */
    public Random random() {
        return random;
    }

    /** Returns a whole number of milliseconds in {@code [min, max]}, from the seeded source. */
    public long millisBetween(long min, long max) {
        return min + (long) (random.nextDouble() * (max - min + 1));
    }

    /** Records one step, stamped with the time since the schedule began. */
    public synchronized void log(String step) {
        steps.add(String.format(Locale.ROOT, "t+%6.3fs %s", (System.nanoTime() - startNanos) / 1e9, step));
    }

    /** Returns the seed, how to replay it, and every step so far. */
    public synchronized String describe() {
        StringBuilder text = new StringBuilder("seed ").append(seed).append(" (replay the schedule with -D")
                .append(SEED_PROPERTY).append('=').append(seed).append(")\n");
        steps.forEach(step -> text.append("  ").append(step).append('\n'));
        return text.toString();
    }
}
