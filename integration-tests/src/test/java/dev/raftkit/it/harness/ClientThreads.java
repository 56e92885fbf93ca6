package dev.raftkit.it.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

/**
 * The client threads of a workload: started together, each with its own seeded random source,
 * running its steps with a pause between two until told to stop, and waited for with a bound. A
 * client that throws an unexpected error ends, and the error is kept. Thread-safe; start once.
 */
public final class ClientThreads {

    /** One client's work: one operation (or attempt) per step. */
    @FunctionalInterface
    public interface Step {

        /**
         * Runs one step.
         *
         * @return whether the client has more to do
         * @throws InterruptedException if interrupted, which ends the client
         */
        boolean run() throws InterruptedException;
    }

    private final List<Thread> threads = new ArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private volatile boolean running;

    /**
     * Starts {@code count} daemon threads named {@code <name>-<i>}, client {@code i} seeded with
     * {@code seed * 31 + i}, each running its steps with {@code thinkTime} between two until
     * {@link #stop} or until a step says it is done.
     *
     * @param name the threads' name prefix
     * @param count how many clients
     * @param seed seeds every client's random source
     * @param thinkTime the pause after each step
     * @param client makes client {@code i}'s step from its index and random source
     * @throws IllegalStateException if the clients were already started
     */
    public synchronized void start(String name, int count, long seed, Duration thinkTime,
            BiFunction<Integer, Random, Step> client) {
        if (!threads.isEmpty()) {
            throw new IllegalStateException("the workload was already started");
        }
        running = true;
        for (int i = 0; i < count; i++) {
            Step step = client.apply(i, new Random(seed * 31 + i));
            String threadName = name + "-" + i;
            Thread thread = new Thread(() -> loop(threadName, step, thinkTime), threadName);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /**
     * Tells the clients to stop and waits for each for at most {@code bound}; interrupts those that
     * did not stop in time and reports them in {@link #errors()}. Idempotent.
     *
     * @param bound how long to wait for each client
     * @throws InterruptedException if interrupted while waiting
     */
    public synchronized void stop(Duration bound) throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join(bound.toMillis());
            if (thread.isAlive()) {
                errors.add(thread.getName() + " did not stop within " + bound.toMillis() + " ms");
                thread.interrupt();
            }
        }
    }

    /** {@return the unexpected errors that ended clients, and the clients that did not stop in time} */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    /** {@return the names of the client threads still alive} */
    public synchronized List<String> alive() {
        return threads.stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }

    private void loop(String name, Step step, Duration thinkTime) {
        try {
            while (running && step.run()) {
                Thread.sleep(thinkTime.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            errors.add(name + ": " + e);
        }
    }
}
