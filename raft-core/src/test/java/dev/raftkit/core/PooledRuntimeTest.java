package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.spi.TaskQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Checks the host runtime's serial queues on a fixed pool. */
class PooledRuntimeTest {

    private static final long WAIT_SECONDS = 30;
    private static final String PREFIX = "raftkit-host-pooled-runtime-test";

    private final PooledRuntime runtime = new PooledRuntime(PREFIX, 3);

    @AfterEach
    void close() {
        runtime.close();
    }

    /** A queue's log of what ran, which also notices two of its tasks running at once. */
    private static final class Recorder {
        final List<Integer> ran = new ArrayList<>();
        final AtomicBoolean running = new AtomicBoolean();
        final AtomicBoolean overlapped = new AtomicBoolean();
        final AtomicBoolean outsideQueue = new AtomicBoolean();

        Runnable task(TaskQueue queue, int n, CountDownLatch done) {
            return () -> {
                if (!running.compareAndSet(false, true)) {
                    overlapped.set(true);
                }
                if (!queue.inQueue()) {
                    outsideQueue.set(true);
                }
                ran.add(n); // guarded by the queue running one task at a time
                running.set(false);
                done.countDown();
            };
        }
    }

    @Test
    void manyQueuesOnFewThreadsRunTheirTasksInOrderOneAtATime() throws InterruptedException {
        int queues = 200;
        int tasks = 500;
        List<TaskQueue> all = new ArrayList<>();
        List<Recorder> recorders = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(queues * tasks);
        for (int q = 0; q < queues; q++) {
            all.add(runtime.newTaskQueue("q" + q));
            recorders.add(new Recorder());
        }
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            int half = p;
            Thread producer = new Thread(() -> {
                for (int q = half; q < queues; q += 2) {
                    for (int n = 0; n < tasks; n++) {
                        all.get(q).execute(recorders.get(q).task(all.get(q), n, done));
                    }
                }
            });
            producers.add(producer);
            producer.start();
        }
        for (Thread producer : producers) {
            producer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        }

        assertThat(done.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("every task ran").isTrue();
        for (Recorder recorder : recorders) {
            assertThat(recorder.overlapped).as("two tasks of one queue at once").isFalse();
            assertThat(recorder.outsideQueue).as("inQueue() false inside a task").isFalse();
            assertThat(recorder.ran).hasSize(tasks).isSorted();
        }
        assertThat(all.get(0).inQueue()).isFalse();
        assertThat(threads()).containsExactlyInAnyOrder(PREFIX + "-worker-1", PREFIX + "-worker-2",
                PREFIX + "-worker-3", PREFIX + "-timer");
    }

    @Test
    void delayedTasksRunOnTheirQueueAndCancelledOnesDoNot() throws InterruptedException {
        TaskQueue queue = runtime.newTaskQueue("delayed");
        CountDownLatch ran = new CountDownLatch(1);
        AtomicBoolean inQueue = new AtomicBoolean();
        AtomicBoolean cancelledRan = new AtomicBoolean();
        queue.schedule(() -> cancelledRan.set(true), TimeUnit.MILLISECONDS.toNanos(50)).cancel();
        queue.schedule(() -> {
            inQueue.set(queue.inQueue());
            ran.countDown();
        }, TimeUnit.MILLISECONDS.toNanos(200));

        assertThat(ran.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(inQueue).isTrue();
        assertThat(cancelledRan).isFalse();
    }

    @Test
    void closeDiscardsPendingTasksAndLetsTheRunningOneFinish() throws InterruptedException {
        TaskQueue queue = runtime.newTaskQueue("closing");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        queue.execute(() -> {
            started.countDown();
            awaitQuietly(release);
            ran.incrementAndGet();
        });
        for (int i = 0; i < 10; i++) {
            queue.execute(ran::incrementAndGet);
        }
        assertThat(started.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        queue.close();
        release.countDown();
        queue.execute(ran::incrementAndGet);

        CountDownLatch other = new CountDownLatch(1);
        TaskQueue next = runtime.newTaskQueue("next");
        next.execute(other::countDown);
        assertThat(other.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        runtime.close();
        assertThat(ran).hasValue(1);
    }

    @Test
    void threadQueuesKeepTheirThreadAndCloseWithTheRuntime() throws InterruptedException {
        TaskQueue storage = runtime.newThreadQueue("storage");
        CountDownLatch ran = new CountDownLatch(1);
        storage.schedule(() -> ran.countDown(), 1);
        assertThat(ran.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(threads()).contains(PREFIX + "-storage", PREFIX + "-timer");

        runtime.close();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!threads().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(threads()).as("threads left after close").isEmpty();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Set<String> threads() {
        Set<String> names = new TreeSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && thread.getName().startsWith(PREFIX)) {
                names.add(thread.getName());
            }
        }
        return names;
    }
}
