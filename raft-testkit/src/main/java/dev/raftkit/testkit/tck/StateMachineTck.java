package dev.raftkit.testkit.tck;

import static org.junit.jupiter.api.Assertions.fail;

import dev.raftkit.Codec;
import dev.raftkit.StateMachine;
import dev.raftkit.testkit.sim.CommandGenerator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit for a user's {@link StateMachine}: the obligations of its contract that a
 * replicated log relies on, checked on a seeded log of the user's own commands, as JUnit 5 tests.
 *
 * <p>To check a state machine, extend this class in your test sources:
 * <pre>{@code
 * class CounterTckTest extends StateMachineTck<Long, Long> {
 *     protected StateMachine<Long, Long> newStateMachine() { return new Counter(); }
 *     protected Codec<Long> codec() { return Counter.CODEC; }
 *     protected CommandGenerator<Long> commands() { return random -> (long) random.nextInt(100); }
 * }
 * }</pre>
 *
 * <p>The command generator is the simulator's ({@link CommandGenerator}), so one generator serves
 * both this kit and {@code StateMachineSimulation}.
 *
 * <p>What it checks, each on a log of {@link #logLength()} commands drawn by {@link #commands()}
 * from a seeded {@link Random}, every command passing through the {@link #codec()} as it would
 * through the log:
 * <ul>
 *   <li><b>Determinism</b>: two fresh replicas that apply the same log give equal responses at every
 *   index and write byte-equal snapshots at every checkpoint ({@link #CHECKPOINT_EVERY} entries) and
 *   at the end.</li>
 *   <li><b>Snapshot round trip</b>: a fresh replica that restores a snapshot taken partway through
 *   the log, and then applies the rest, gives the same responses and the same final snapshot as the
 *   replica that applied the whole log; so does a replica that held other state before restoring,
 *   because a restore replaces the whole state.</li>
 *   <li><b>Apply does not block</b>: every call of {@code apply}, {@code writeSnapshot} and
 *   {@code restoreSnapshot} returns within {@link #callTimeout()} (default 5 seconds, generous on
 *   purpose: this is a check for calls that wait on locks, I/O or other nodes, not a speed goal).</li>
 *   <li>The generator itself is deterministic: the same seed draws the same commands, so that a
 *   reported seed replays the failure.</li>
 * </ul>
 *
 * <p>What it can and cannot see of hidden inputs. The two replicas of the determinism check run one
 * after the other, each on its own newly started thread with its own name, and the second starts
 * only once the wall clock has moved past the first's last apply. So a state machine whose responses
 * or snapshots reflect the clock ({@code System.nanoTime}, {@code currentTimeMillis},
 * {@code Instant.now}), an unseeded or shared random source ({@code new Random()},
 * {@code Math.random}, {@code ThreadLocalRandom}, {@code UUID.randomUUID}), the thread it runs on, or
 * identity hash codes, fails it. It cannot see a hidden input that does not reach a response or the
 * snapshot, or that does not change within one run: the date or hour, the time zone or locale,
 * environment variables, files, another process, a branch that the generated commands never take.
 * Make the generator draw every kind of command the state machine accepts, including rare ones.
 *
 * <p>Responses are compared with {@link #sameResponse} (default {@link Objects#deepEquals}) and
 * snapshots with {@link #sameSnapshot} (default: byte equality, so a snapshot must be canonical:
 * the same state writes the same bytes, e.g. maps written in key order).
 *
 * <p>Every failure names the seed, and where it applies the log index and the command; the system
 * property {@value LogStoreTck#SEED_PROPERTY} replays a seed.
 *
 * @param <C> the command type
 * @param <R> the response type
 */
public abstract class StateMachineTck<C, R> {

    /** How many log entries apart the determinism check compares the replicas' snapshots. */
    public static final int CHECKPOINT_EVERY = 100;

    private final long seed = Long.getLong(LogStoreTck.SEED_PROPERTY, System.nanoTime());
    private final List<Replica> replicas = new ArrayList<>();
    private List<byte[]> log;

    /**
     * Creates a state machine in its initial state, as a node starting with no data has it.
     *
     * @return a new state machine, never one returned before
     */
    protected abstract StateMachine<C, R> newStateMachine();

    /**
     * Returns the codec of the commands, the one the node is built with.
     *
     * @return the command codec
     */
    protected abstract Codec<C> codec();

    /**
     * Returns the generator of the commands to apply. It must draw only from the random source it
     * is given, so that a seed replays the log.
     *
     * @return the command generator
     */
    protected abstract CommandGenerator<? extends C> commands();

    /**
     * Returns how many commands each check applies. Default 1,000.
     *
     * @return how many commands each check applies, at least 2
     */
    protected int logLength() {
        return 1_000;
    }

    /**
     * Returns how long one call of the state machine may take before the kit fails it as blocking.
     * Default 5 seconds.
     *
     * @return how long one call of the state machine may take
     */
    protected Duration callTimeout() {
        return Duration.ofSeconds(5);
    }

    /**
     * Tells whether two responses to the same command at the same index are the same.
     *
     * @param a one replica's response
     * @param b the other replica's response
     * @return whether they are the same; default {@link Objects#deepEquals}
     */
    protected boolean sameResponse(R a, R b) {
        return Objects.deepEquals(a, b);
    }

    /**
     * Tells whether two snapshots hold the same state.
     *
     * @param a one replica's snapshot
     * @param b the other replica's snapshot
     * @return whether they hold the same state; default byte equality
     */
    protected boolean sameSnapshot(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }

    @BeforeEach
    void drawTheLog() {
        if (logLength() < 2) {
            throw new IllegalArgumentException("logLength() must be at least 2, was " + logLength());
        }
        log = draw();
        List<byte[]> again = draw();
        for (int i = 0; i < log.size(); i++) {
            if (!Arrays.equals(log.get(i), again.get(i))) {
                fail(where(i + 1) + ": the generator drew " + decode(log.get(i)) + " and then " + decode(again.get(i))
                        + " from the same seed; the command generator must draw only from the random source it is given");
            }
        }
    }

    @AfterEach
    void stopReplicas() {
        replicas.forEach(Replica::close);
    }

    /** Two fresh replicas, at different times and on different threads, apply the log alike. */
    @Test
    void replicasApplyingTheSameLogAgree() {
        Replica first = replica("first");
        List<R> responses = new ArrayList<>();
        Map<Long, byte[]> checkpoints = new HashMap<>();
        for (long index = 1; index <= log.size(); index++) {
            responses.add(first.apply(index));
            if (isCheckpoint(index)) {
                checkpoints.put(index, first.snapshot());
            }
        }
        first.close();
        awaitClockPast(System.currentTimeMillis());

        Replica second = replica("second");
        for (long index = 1; index <= log.size(); index++) {
            R expected = responses.get((int) index - 1);
            R response = second.apply(index);
            if (!sameResponse(expected, response)) {
                fail(where(index) + ", command " + decode(index) + ": two fresh replicas answered " + expected
                        + " and " + response + "; apply must depend only on the state and the command");
            }
            if (isCheckpoint(index)) {
                assertSameSnapshot(checkpoints.get(index), second.snapshot(), index,
                        "two fresh replicas that applied the same log wrote different snapshots");
            }
        }
    }

    private boolean isCheckpoint(long index) {
        return index % CHECKPOINT_EVERY == 0 || index == log.size();
    }

    /** A fresh replica restored from a snapshot taken partway continues exactly as the original. */
    @Test
    void aRestoredReplicaContinuesAsTheOriginal() {
        checkRestore(false);
    }

    /** A replica that held other state and then restores a snapshot continues exactly as the original. */
    @Test
    void aRestoreReplacesTheWholeState() {
        checkRestore(true);
    }

    private void checkRestore(boolean replaceOtherState) {
        long split = 1 + Math.floorMod(seed, log.size() - 1);
        Replica original = replica("original");
        for (long index = 1; index <= split; index++) {
            original.apply(index);
        }
        byte[] snapshot = original.snapshot();

        Replica restored = replica("restored");
        if (replaceOtherState) {
            // Another history: the log's commands in reverse order, as a stale follower may hold.
            for (long index = 1; index <= split; index++) {
                restored.apply(index, log.get(log.size() - (int) index));
            }
        }
        restored.restore(snapshot);
        String how = replaceOtherState ? "a replica that held other state and restored the snapshot of index "
                : "a fresh replica that restored the snapshot of index ";
        assertSameSnapshot(snapshot, restored.snapshot(), split, how + split + " wrote a different snapshot at once");
        for (long index = split + 1; index <= log.size(); index++) {
            R expected = original.apply(index);
            R response = restored.apply(index);
            if (!sameResponse(expected, response)) {
                fail(where(index) + ", command " + decode(index) + ": " + how + split + " answered " + response
                        + " where the replica that applied the whole log answered " + expected);
            }
        }
        assertSameSnapshot(original.snapshot(), restored.snapshot(), log.size(),
                how + split + " and the replica that applied the whole log wrote different final snapshots");
    }

    private void assertSameSnapshot(byte[] expected, byte[] actual, long index, String what) {
        if (!sameSnapshot(expected, actual)) {
            fail(where(index) + ": " + what + " (" + expected.length + " and " + actual.length + " bytes"
                    + firstDifference(expected, actual) + ")");
        }
    }

    private static String firstDifference(byte[] a, byte[] b) {
        int at = Arrays.mismatch(a, b);
        return at < 0 ? "" : ", first differing at byte " + at;
    }

    private List<byte[]> draw() {
        Random random = new Random(seed);
        Codec<C> codec = codec();
        CommandGenerator<? extends C> commands = commands();
        List<byte[]> entries = new ArrayList<>(logLength());
        for (int i = 0; i < logLength(); i++) {
            entries.add(codec.encode(Objects.requireNonNull(commands.next(random), "the command generator drew null")));
        }
        return entries;
    }

    /** Waits until {@link System#currentTimeMillis()} has moved past {@code millis}, so two runs see different clocks. */
    private static void awaitClockPast(long millis) {
        while (System.currentTimeMillis() <= millis) {
            Thread.onSpinWait();
        }
    }

    private String where(long index) {
        return "seed " + seed + " (replay with -D" + LogStoreTck.SEED_PROPERTY + "=" + seed + "), index " + index;
    }

    private String decode(long index) {
        return decode(log.get((int) index - 1));
    }

    private String decode(byte[] entry) {
        return String.valueOf(codec().decode(entry));
    }

    private Replica replica(String name) {
        Replica replica = new Replica(name);
        replicas.add(replica);
        return replica;
    }

    /**
     * One state machine and the single thread that runs all its calls, as a node's apply thread does;
     * a call that does not return within {@link #callTimeout()} fails the test.
     */
    private final class Replica {
        private final String name;
        private final StateMachine<C, R> stateMachine = newStateMachine();
        private final ExecutorService thread;

        Replica(String name) {
            this.name = name;
            this.thread = Executors.newSingleThreadExecutor(runnable -> {
                Thread t = new Thread(runnable, "raftkit-tck-" + name + "-replica");
                t.setDaemon(true);
                return t;
            });
        }

        /** Applies the log's entry at {@code index}. */
        R apply(long index) {
            return apply(index, log.get((int) index - 1));
        }

        /** Applies {@code entry}, decoded afresh as a node decodes what it reads from its log, at {@code index}. */
        R apply(long index, byte[] entry) {
            C command = codec().decode(entry);
            return call(() -> stateMachine.apply(index, command),
                    () -> where(index) + ", command " + command + ": the " + name + " replica's apply");
        }

        byte[] snapshot() {
            return call(() -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                stateMachine.writeSnapshot(out);
                return out.toByteArray();
            }, () -> "seed " + seed + ": the " + name + " replica's writeSnapshot");
        }

        void restore(byte[] snapshot) {
            call(() -> {
                stateMachine.restoreSnapshot(new ByteArrayInputStream(snapshot));
                return null;
            }, () -> "seed " + seed + ": the " + name + " replica's restoreSnapshot");
        }

        private <T> T call(Callable<T> call, Supplier<String> what) {
            Future<T> result = thread.submit(call);
            Duration timeout = callTimeout();
            try {
                return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                result.cancel(true);
                throw new AssertionError(what.get() + " did not return within " + timeout
                        + "; calls of a state machine must not block (raise callTimeout() if it is only slow)", e);
            } catch (ExecutionException e) {
                throw new AssertionError(what.get() + " threw " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what.get(), e);
            }
        }

        void close() {
            thread.shutdownNow();
        }
    }
}
