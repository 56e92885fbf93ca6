package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A single node's driver queue ({@link SharedDriverQueue}): a delivered message's step runs on the
 * delivering thread when nobody else runs the driver, other tasks and whatever is left go to the
 * transport's sending thread if it offers one (else, or when it refuses, to the driver thread),
 * blocking work always to the driver thread, and in every case tasks run one at a time, in the
 * order queued.
 */
class SharedDriverQueueTest {

    private static final long WAIT_SECONDS = 30;

    private final SharedDriverQueue queue = new SharedDriverQueue(
            SystemRuntime.INSTANCE.newTaskQueue("driver-under-test"), Optional.empty());
    /** Stands for a transport's sending thread (its event loop). */
    private final ExecutorService sendingThread = Executors.newSingleThreadExecutor(
            task -> new Thread(task, "sending-thread"));
    /** Turns the sending thread was given: tasks handed to it, each running what is queued. */
    private final AtomicInteger sendingTurns = new AtomicInteger();
    private final SharedDriverQueue withSendingThread = new SharedDriverQueue(
            SystemRuntime.INSTANCE.newTaskQueue("driver-under-test"), Optional.of(turn -> {
                sendingTurns.incrementAndGet();
                sendingThread.execute(turn);
            }));

    @AfterEach
    void close() throws InterruptedException {
        queue.close();
        withSendingThread.close();
        sendingThread.shutdownNow();
        assertThat(sendingThread.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aDeliveryToAnIdleQueueRunsOnTheDeliveringThreadWhichMayNotBlock() {
        List<String> seen = new ArrayList<>();
        queue.deliver(() -> seen.add(Thread.currentThread().getName() + " mayBlock=" + queue.mayBlock()
                + " inQueue=" + queue.inQueue()));
        assertThat(seen).containsExactly(Thread.currentThread().getName() + " mayBlock=false inQueue=true");
        assertThat(queue.inQueue()).as("only while running the driver's tasks").isFalse();
    }

    @Test
    void otherTasksRunOnTheDriverThreadWhichMayBlock() throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        queue.execute(() -> seen.complete(Thread.currentThread().getName() + " mayBlock=" + queue.mayBlock()));
        assertThat(seen.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("driver-under-test mayBlock=true");
    }

    @Test
    void aDeliveryWhileTheDriverThreadRunsIsLeftToItAndRunsAfterWhatWasQueuedBefore() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        queue.execute(() -> {
            running.countDown();
            await(release);
            order.add("first on " + Thread.currentThread().getName());
        });
        assertThat(running.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

        queue.deliver(() -> order.add("delivered on " + Thread.currentThread().getName()));
        assertThat(order).as("the delivering thread returned without running anything").isEmpty();

        release.countDown();
        waitFor(() -> order.size() == 2);
        assertThat(order).containsExactly("first on driver-under-test", "delivered on driver-under-test");
    }

    @Test
    void aDeliveringThreadRunsABoundedNumberOfTasksAndTheDriverThreadTheRest() throws Exception {
        int total = 200;
        // Queued while this thread holds the queue: it runs them, up to its bound.
        List<String> threads = threadsThatRan(queue, queue::deliver, total);
        String caller = Thread.currentThread().getName();
        int bound = SharedDriverQueue.MAX_TASKS_HERE;
        assertThat(threads.stream().filter(caller::equals).count()).isEqualTo(bound);
        assertThat(threads.stream().filter("driver-under-test"::equals).count()).isEqualTo(total - bound);
    }

    @Test
    void tasksNobodyRunsGoToTheTransportsSendingThreadWhichMayNotBlock() throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        withSendingThread.execute(() -> seen.complete(Thread.currentThread().getName() + " mayBlock="
                + withSendingThread.mayBlock() + " inQueue=" + withSendingThread.inQueue()));
        assertThat(seen.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("sending-thread mayBlock=false inQueue=true");
    }

    @Test
    void blockingWorkOfATaskOnTheSendingThreadMovesToTheDriverThread() throws Exception {
        CompletableFuture<String> blocking = new CompletableFuture<>();
        withSendingThread.execute(() -> withSendingThread.runBlocking(
                () -> blocking.complete(Thread.currentThread().getName())));
        assertThat(blocking.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("driver-under-test");
    }

    @Test
    void theSendingThreadRunsABoundedNumberOfTasksPerTurnAndTakesTurnsUntilNoneAreLeft() throws Exception {
        int total = 200;
        List<String> threads = threadsThatRan(withSendingThread, withSendingThread::execute, total);
        assertThat(threads).containsOnly("sending-thread");
        int bound = SharedDriverQueue.MAX_TASKS_HERE;
        assertThat(sendingTurns.get()).as("turns of at most %d tasks each", bound)
                .isEqualTo((total + bound - 1) / bound);
    }

    /**
     * Has {@code first} queue a task that queues {@code total - 1} more on {@code queue} while it
     * runs; {@return the names of the threads that ran the {@code total} tasks}, once all ran.
     */
    private static List<String> threadsThatRan(DriverQueue queue, Consumer<Runnable> first, int total)
            throws InterruptedException {
        List<String> threads = new CopyOnWriteArrayList<>();
        first.accept(() -> {
            for (int i = 1; i < total; i++) {
                queue.execute(() -> threads.add(Thread.currentThread().getName()));
            }
            threads.add(Thread.currentThread().getName());
        });
        waitFor(() -> threads.size() == total);
        return threads;
    }

    @Test
    void aSendingThreadThatRefusesLeavesTheTasksToTheDriverThread() throws Exception {
        SharedDriverQueue refused = new SharedDriverQueue(SystemRuntime.INSTANCE.newTaskQueue("driver-under-test"),
                Optional.of(task -> {
                    throw new RejectedExecutionException("closing");
                }));
        try {
            CompletableFuture<String> seen = new CompletableFuture<>();
            refused.execute(() -> seen.complete(Thread.currentThread().getName() + " mayBlock=" + refused.mayBlock()));
            assertThat(seen.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("driver-under-test mayBlock=true");
        } finally {
            refused.close();
        }
    }

    @Test
    void tasksFromManyThreadsRunOneAtATimeInTheOrderEachThreadQueuedThem() throws Exception {
        checkOrder(queue);
    }

    @Test
    void withASendingThreadTooTasksFromManyThreadsRunOneAtATimeInTheOrderEachThreadQueuedThem() throws Exception {
        checkOrder(withSendingThread);
    }

    private static void checkOrder(SharedDriverQueue queue) throws Exception {
        int threads = 4;
        int perThread = 20_000;
        AtomicBoolean inside = new AtomicBoolean();
        AtomicInteger overlaps = new AtomicInteger();
        int[] lastSeen = new int[threads];
        AtomicInteger outOfOrder = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int sender = t;
            senders.add(new Thread(() -> {
                for (int i = 1; i <= perThread; i++) {
                    int sequence = i;
                    Runnable task = () -> {
                        if (!inside.compareAndSet(false, true)) {
                            overlaps.incrementAndGet();
                        }
                        if (lastSeen[sender] != sequence - 1) {
                            outOfOrder.incrementAndGet();
                        }
                        lastSeen[sender] = sequence;
                        inside.set(false);
                        done.incrementAndGet();
                    };
                    if (sequence % 2 == 0) {
                        queue.deliver(task);
                    } else {
                        queue.execute(task);
                    }
                }
            }, "sender-" + t));
        }
        senders.forEach(Thread::start);
        for (Thread sender : senders) {
            sender.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        }
        waitFor(() -> done.get() == threads * perThread);
        assertThat(overlaps.get()).as("tasks that ran while another ran").isZero();
        assertThat(outOfOrder.get()).as("tasks that ran out of their sender's order").isZero();
    }

    @Test
    void blockingWorkOfATaskOnADeliveringThreadMovesToTheDriverThreadAndRunsAtOnceOnIt() throws Exception {
        CompletableFuture<String> fromDelivery = new CompletableFuture<>();
        queue.deliver(() -> queue.runBlocking(() -> fromDelivery.complete(Thread.currentThread().getName())));
        assertThat(fromDelivery.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("driver-under-test");

        CompletableFuture<Boolean> ranInline = new CompletableFuture<>();
        queue.execute(() -> {
            boolean[] ran = new boolean[1];
            queue.runBlocking(() -> ran[0] = true);
            ranInline.complete(ran[0]);
        });
        assertThat(ranInline.get(WAIT_SECONDS, TimeUnit.SECONDS)).as("on the driver thread, at once").isTrue();
    }

    @Test
    void nothingRunsAfterClose() throws Exception {
        queue.close();
        AtomicInteger ran = new AtomicInteger();
        queue.deliver(ran::incrementAndGet);
        queue.execute(ran::incrementAndGet);
        Thread.sleep(50);
        assertThat(ran.get()).isZero();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + WAIT_SECONDS + " s");
            }
            Thread.sleep(1);
        }
    }
}
