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
 * <p>Which outcome to record:
 * <ul>
 *   <li>{@link #ok}: an answer came back, whatever it says. A compare-and-set that saw another
 *       value, or a withdrawal refused for lack of funds, is OK with that answer ("not swapped",
 *       "refused"), not a failure: it took effect by reading the state.</li>
 *   <li>{@link #fail}: the operation had no effect and never will (rejected before it was
 *       proposed: {@code NoLeaderException}, {@code BusyException}, or a {@code RaftException}
 *       whose {@code mayHaveCommitted()} is false).</li>
 *   <li>{@link #unknown}: no answer, and it may still take effect at any later time (a write that
 *       timed out or failed after it was proposed). The process is retired.</li>
 *   <li>{@link #unknownUntilNow}: no answer, and it cannot take effect after now: it took effect
 *       before now or never (a read that timed out). The process goes on.</li>
 * </ul>
 *
 * <p>Timestamps come from one clock, read under this recorder's lock, so they never go backwards
 * and every recorded event is safely published. Use {@link System#nanoTime()} (the default) in a
 * real cluster test, with all clients in the JVM that records, and virtual time in a simulator.
 * Never use a wall clock or timestamps taken in different JVMs.
 *
 * <p>To replay a log recorded elsewhere (a Jepsen history, a client's own log), pass each event's
 * time instead: {@link #invoke(int, String, Object, long)}, {@link #ok(long, Object, long)},
 * {@link #fail(long, long)}, {@link #unknownUntil(long, long)}. Given times are taken as they are:
 * they need not increase from one call to the next (a log may list clients one after another),
 * but each return must not be before its invocation. They are not compared with the clock, so
 * use given times for the whole history, or times from that same clock.
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
        return start(process, key, input, this::readClock);
    }

    /**
     * Records that {@code process} sent a request at {@code time}, for a history replayed from a
     * log with its own times.
     *
     * @param process the logical client; it must not have an operation in flight and must not be retired
     * @param key the partition key the operation touches (one key per operation)
     * @param input what is asked
     * @param time when the request was sent, on the log's clock
     * @return the operation id to complete with {@link #ok(long, Object, long)},
     *     {@link #fail(long, long)}, {@link #unknown} or {@link #unknownUntil}
     * @throws NullPointerException if {@code key} or {@code input} is null
     * @throws IllegalArgumentException if {@code time} is {@link Operation#NEVER}
     * @throws IllegalStateException if the process is busy or retired
     */
    public long invoke(int process, String key, I input, long time) {
        long given = given(time);
        return start(process, key, input, () -> given);
    }

    private long start(int process, String key, I input, LongSupplier time) {
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
            long now = time.getAsLong();
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
        complete(id, Outcome.OK, Optional.of(output), this::readClock);
    }

    /**
     * Records that operation {@code id} took effect and returned {@code output} at {@code time}.
     *
     * @param id an id returned by {@link #invoke} and not completed yet
     * @param output what came back
     * @param time when the response was received, on the same clock as the invocation
     * @throws NullPointerException if {@code output} is null
     * @throws IllegalArgumentException if {@code id} was never invoked here, or {@code time} is before
     *     the invocation or is {@link Operation#NEVER}
     * @throws IllegalStateException if the operation was already completed
     */
    public void ok(long id, O output, long time) {
        Objects.requireNonNull(output, "output");
        long given = given(time);
        complete(id, Outcome.OK, Optional.of(output), () -> given);
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
        complete(id, Outcome.FAIL, Optional.empty(), this::readClock);
    }

    /**
     * Records that operation {@code id} definitely did not take effect, as learned at {@code time}.
     *
     * @param id an id returned by {@link #invoke} and not completed yet
     * @param time when the failure was received, on the same clock as the invocation
     * @throws IllegalArgumentException if {@code id} was never invoked here, or {@code time} is before
     *     the invocation or is {@link Operation#NEVER}
     * @throws IllegalStateException if the operation was already completed
     */
    public void fail(long id, long time) {
        long given = given(time);
        complete(id, Outcome.FAIL, Optional.empty(), () -> given);
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
        complete(id, Outcome.UNKNOWN, Optional.empty(), () -> Operation.NEVER);
    }

    /**
     * Records that operation {@code id} ended without an answer and cannot take effect after now: it
     * took effect at some instant between its invocation and now, with an output nobody saw, or
     * never. A read that timed out is the usual case. Unlike {@link #unknown}, the process is not
     * retired, since nothing of this operation can overlap its next one. If the operation might
     * still take effect later (a write that timed out in Raft may still commit), use
     * {@link #unknown} instead, or the checker reports false violations.
     *
     * @param id an id returned by {@link #invoke} and not completed yet
     * @throws IllegalArgumentException if {@code id} was never invoked here
     * @throws IllegalStateException if the operation was already completed, or the clock went backwards
     */
    public void unknownUntilNow(long id) {
        complete(id, Outcome.UNKNOWN, Optional.empty(), this::readClock);
    }

    /**
     * Records that operation {@code id} ended without an answer at {@code time} and cannot take effect
     * after it; see {@link #unknownUntilNow}.
     *
     * @param id an id returned by {@link #invoke} and not completed yet
     * @param time when the client stopped waiting, on the same clock as the invocation
     * @throws IllegalArgumentException if {@code id} was never invoked here, or {@code time} is before
     *     the invocation or is {@link Operation#NEVER}
     * @throws IllegalStateException if the operation was already completed
     */
    public void unknownUntil(long id, long time) {
        long given = given(time);
        complete(id, Outcome.UNKNOWN, Optional.empty(), () -> given);
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

    /** Checks a time given by the caller. */
    private static long given(long time) {
        if (time == Operation.NEVER) {
            throw new IllegalArgumentException("Operation.NEVER (Long.MAX_VALUE) is not a time; record an "
                    + "operation that may take effect at any later time with unknown(id)");
        }
        return time;
    }

    /**
     * Completes an operation. The return time is read under the lock, and the operation is built
     * (and validated) before anything changes.
     */
    private void complete(long id, Outcome outcome, Optional<O> output, LongSupplier returnTime) {
        synchronized (lock) {
            Invocation<I> invocation = inFlight.get(id);
            if (invocation == null) {
                Operation<I, O> done = completed.get(id);
                if (done != null) {
                    throw new IllegalStateException("operation #" + id + " was already completed: " + done);
                }
                throw new IllegalArgumentException("no operation #" + id + " was invoked in this history");
            }
            Operation<I, O> done = invocation.complete(id, outcome, output, returnTime.getAsLong());
            inFlight.remove(id);
            busyProcesses.remove(invocation.process());
            if (done.returnTime() == Operation.NEVER) {
                retiredProcesses.put(invocation.process(), id);
            }
            completed.put(id, done);
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
