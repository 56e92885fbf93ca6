package dev.raftkit.testkit.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A thread-safe recorder of client operations, to be checked by a {@link LinearizabilityChecker}.
 *
 * <p>A client calls {@link #invoke} just before it sends a request and exactly one of {@link #ok},
 * {@link #fail} or {@link #unknown} just after it learns the outcome, on the same thread:
 *
 * <pre>{@code
 * History<KvInput<String>, KvOutput<String>> history = new History<>();
 * int process = history.newProcess();
 * long id = history.invoke(process, "x", KvInput.put("v1"));
 * try {
 *     client.put("x", "v1");                        // your client call
 *     history.ok(id, KvOutput.ack());
 * } catch (NoLeaderException | BusyException e) {   // rejected before proposing: never applied
 *     history.fail(id);
 * } catch (RuntimeException e) {                    // timeout, NotLeaderException, ...: maybe applied
 *     history.unknown(id);
 *     process = history.newProcess();               // the old process may still be "running" the put
 * }
 * }</pre>
 *
 * <p>Rules, enforced with {@link IllegalStateException}: a process has at most one operation in
 * flight, and a process whose operation ended {@linkplain #unknown unknown} is retired (its
 * operation may still take effect, so its next operation would overlap it); the client continues
 * under a fresh id from {@link #newProcess()}. An operation still in flight when
 * {@link #operations()} is called is reported as unknown.
 *
 * <p>Timestamps come from one clock, read under this recorder's lock, so they never go backwards
 * and every recorded event is safely published. Use {@link System#nanoTime()} (the default) in a
 * real cluster test, with all clients in the JVM that records, and virtual time in a simulator.
 * Never use a wall clock or timestamps taken in different JVMs.
 *
 * @param <I> the input type of the model
 * @param <O> the output type of the model
 */
public final class History<I, O> {

    private final LongSupplier clock;
    private final Object lock = new Object();
    private final Map<Long, Invocation<I>> inFlight = new HashMap<>();
    private final Map<Long, Operation<I, O>> completed = new HashMap<>();
    private final Map<Integer, Long> busyProcesses = new HashMap<>();
    private final Map<Integer, Long> retiredProcesses = new HashMap<>();
    private long nextId;
    private long lastTime = Long.MIN_VALUE;
    private long highestProcess = -1;

    /** Creates an empty history timed by {@link System#nanoTime()}. */
    public History() {
        this(System::nanoTime);
    }

    /**
     * Creates an empty history timed by the given clock.
     *
     * @param clock a monotonic clock, for example a simulator's virtual time; it is read under a
     *     lock, so it must be fast and must not call back into this history
     * @throws NullPointerException if {@code clock} is null
     */
    public History(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Returns a process id that is greater than every process id used or handed out so far. Use it
     * for every process, or for none: ids chosen by the caller could collide with ids from here.
     *
     * @return a fresh process id
     * @throws IllegalStateException if the process id space is exhausted
     */
    public int newProcess() {
        synchronized (lock) {
            if (highestProcess == Integer.MAX_VALUE) {
                throw new IllegalStateException("no fresh process id left: id " + Integer.MAX_VALUE + " is in use");
            }
            highestProcess++;
            return (int) highestProcess;
        }
    }

    /**
     * Records that {@code process} is about to send a request. Call it before sending, so the
     * recorded interval contains the moment the operation took effect.
     *
     * @param process the logical client; it must not have an operation in flight and must not be retired
     * @param key the partition key the operation touches (one key per operation)
     * @param input what is asked
     * @return the operation id to complete with {@link #ok}, {@link #fail} or {@link #unknown}
     * @throws NullPointerException if {@code key} or {@code input} is null
     * @throws IllegalStateException if the process is busy or retired, or the clock went backwards
     */
    public long invoke(int process, String key, I input) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(input, "input");
        synchronized (lock) {
            Long busyWith = busyProcesses.get(process);
            if (busyWith != null) {
                throw new IllegalStateException("process " + process + " already has operation #" + busyWith
                        + " in flight; a process runs one operation at a time");
            }
            Long retiredBy = retiredProcesses.get(process);
            if (retiredBy != null) {
                throw new IllegalStateException("process " + process + " is retired: its operation #" + retiredBy
                        + " ended unknown and may still take effect; continue under a fresh process id "
                        + "from newProcess()");
            }
            long now = readClock();
            long id = nextId++;
            inFlight.put(id, new Invocation<>(process, key, input, now));
            busyProcesses.put(process, id);
            highestProcess = Math.max(highestProcess, process);
            return id;
        }
    }

    /**
     * Records that operation {@code id} took effect and returned {@code output}. Call it after the
     * response was received.
     *
     * @param id an id returned by {@link #invoke} and not completed yet
     * @param output what came back
     * @throws NullPointerException if {@code output} is null
     * @throws IllegalArgumentException if {@code id} was never invoked here
     * @throws IllegalStateException if the operation was already completed, or the clock went backwards
     */
    public void ok(long id, O output) {
        Objects.requireNonNull(output, "output");
        complete(id, Outcome.OK, Optional.of(output));
    }

    /**
     * Records that operation {@code id} definitely did not take effect and never will. When in
     * doubt, use {@link #unknown} instead: a wrong {@code fail} produces false violations.
     *
     * @param id an id returned by {@link #invoke} and not completed yet
     * @throws IllegalArgumentException if {@code id} was never invoked here
     * @throws IllegalStateException if the operation was already completed, or the clock went backwards
     */
    public void fail(long id) {
        complete(id, Outcome.FAIL, Optional.empty());
    }

    /**
     * Records that operation {@code id} may take effect at any time after its invocation, or never.
     * Its process is retired; continue under an id from {@link #newProcess()}.
     *
     * @param id an id returned by {@link #invoke} and not completed yet
     * @throws IllegalArgumentException if {@code id} was never invoked here
     * @throws IllegalStateException if the operation was already completed
     */
    public void unknown(long id) {
        complete(id, Outcome.UNKNOWN, Optional.empty());
    }

    /**
     * Returns a snapshot of all operations in id order. Operations still in flight appear as
     * {@link Outcome#UNKNOWN}; recording may continue afterwards.
     *
     * @return an immutable list of the operations recorded so far
     */
    public List<Operation<I, O>> operations() {
        List<Operation<I, O>> all;
        synchronized (lock) {
            all = new ArrayList<>(completed.size() + inFlight.size());
            all.addAll(completed.values());
            inFlight.forEach((id, invocation) -> all.add(invocation.complete(id, Outcome.UNKNOWN, Optional.empty(),
                    Operation.NEVER)));
        }
        all.sort(Comparator.comparingLong(Operation::id));
        return List.copyOf(all);
    }

    private void complete(long id, Outcome outcome, Optional<O> output) {
        synchronized (lock) {
            Invocation<I> invocation = inFlight.get(id);
            if (invocation == null) {
                Operation<I, O> done = completed.get(id);
                if (done != null) {
                    throw new IllegalStateException("operation #" + id + " was already completed: " + done);
                }
                throw new IllegalArgumentException("no operation #" + id + " was invoked in this history");
            }
            long returnTime = outcome == Outcome.UNKNOWN ? Operation.NEVER : readClock();
            inFlight.remove(id);
            busyProcesses.remove(invocation.process());
            if (outcome == Outcome.UNKNOWN) {
                retiredProcesses.put(invocation.process(), id);
            }
            completed.put(id, invocation.complete(id, outcome, output, returnTime));
        }
    }

    /** Reads the clock; the caller holds {@link #lock}. */
    private long readClock() {
        long now = clock.getAsLong();
        if (now < lastTime) {
            throw new IllegalStateException("clock went backwards from " + lastTime + " to " + now
                    + "; use a monotonic clock such as System::nanoTime");
        }
        lastTime = now;
        return now;
    }

    /** An operation that was invoked and has not completed yet. */
    private record Invocation<I>(int process, String key, I input, long invokeTime) {

        <O> Operation<I, O> complete(long id, Outcome outcome, Optional<O> output, long returnTime) {
            return new Operation<>(id, process, key, input, output, outcome, invokeTime, returnTime);
        }
    }
}
