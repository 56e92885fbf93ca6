package dev.raftkit.core;

import dev.raftkit.spi.RaftRuntime;
import dev.raftkit.spi.TaskQueue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A deterministic {@link RaftRuntime} for one node's unit tests: nothing runs until the test says
 * so, on the test's own thread, in virtual time. The test decides which of the node's threads run
 * ({@link #hold}), so it can place, say, a write between the driver handing an append to the
 * storage thread and the storage thread doing it.
 *
 * <p>raft-testkit's simulator runtime is not reachable from here (raft-testkit depends on
 * raft-core), and its scheduler decides the interleaving itself, which these tests must choose.
 */
final class ManualRuntime implements RaftRuntime {

    private record Timed(long due, long seq, Runnable task, ManualQueue queue) {
    }

    private final List<ManualQueue> queues = new ArrayList<>();
    private final PriorityQueue<Timed> timers =
            new PriorityQueue<>(Comparator.comparingLong(Timed::due).thenComparingLong(Timed::seq));
    private final Set<String> held = new HashSet<>();
    private long now;
    private long seq;
    private ManualQueue running;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public TaskQueue newTaskQueue(String name) {
        ManualQueue queue = new ManualQueue(name);
        queues.add(queue);
        return queue;
    }

    @Override
    public RandomGenerator newRandom() {
        return new SplittableRandom(42);
    }

    /** {@return the queue whose name starts with {@code prefix}}, to run a task on one of the node's threads */
    TaskQueue queue(String prefix) {
        return queues.stream().filter(q -> q.name.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no queue named " + prefix + "..."));
    }

    /** Stops running the queues whose name starts with {@code prefix} (e.g. {@code raft-storage}). */
    void hold(String prefix) {
        held.add(prefix);
    }

    /** Lets held queues whose name starts with {@code prefix} run again. */
    void release(String prefix) {
        held.remove(prefix);
    }

    /** Runs queued tasks of the queues not held until none is left; time does not move. */
    void settle() {
        boolean ran = true;
        while (ran) {
            ran = false;
            for (ManualQueue queue : List.copyOf(queues)) {
                ran |= queue.runOne();
            }
        }
    }

    /** Moves time forward by {@code nanos}, running every task that comes due on the way, in order. */
    void advance(long nanos) {
        long end = now + nanos;
        settle();
        while (!timers.isEmpty() && timers.peek().due() <= end) {
            Timed timed = timers.poll();
            now = timed.due();
            timed.queue().ready.add(timed.task());
            settle();
        }
        now = end;
    }

    private final class ManualQueue implements TaskQueue {
        private final String name;
        private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
        private boolean closed;

        ManualQueue(String name) {
            this.name = name;
        }

        boolean runOne() {
            if (ready.isEmpty() || held.stream().anyMatch(name::startsWith)) {
                return false;
            }
            Runnable task = ready.poll();
            ManualQueue outer = running;
            running = this;
            try {
                task.run();
            } finally {
                running = outer;
            }
            return true;
        }

        @Override
        public void execute(Runnable task) {
            if (!closed) {
                ready.add(task);
            }
        }

        @Override
        public Cancellable schedule(Runnable task, long delayNanos) {
            if (closed) {
                return () -> {
                };
            }
            Timed timed = new Timed(now + delayNanos, seq++, task, this);
            timers.add(timed);
            return () -> timers.remove(timed);
        }

        @Override
        public boolean inQueue() {
            return running == this;
        }

        @Override
        public void close() {
            closed = true;
            ready.clear();
            timers.removeIf(t -> t.queue() == this);
        }
    }
}
